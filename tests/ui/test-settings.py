#!/usr/bin/python3
# test-settings.py  SPDX-License-Identifier: GPL-3.0-or-later
#
# The machine settings window, driven through the accessibility tree as a user
# would: open it from a machine's context menu, change the description and the
# memory, see a value above the host's refused in place with its reason, and
# read the applied values back from libvirt by opening the window again.
# Screenshots of every page go to $HEARTH_TEST_ARTIFACTS/settings/.
#
# Run by run-ui-test.sh (HEARTH_UI_SCRIPT) inside its own D-Bus session and X server, on the
# test driver node tests/data/settings/settings-node.xml (8 threads, 16 GiB).
# Usage: test-settings.py HEARTH FIXTURE

import importlib
import os
import sys
import time

import pyatspi

ui = importlib.import_module('hearth-ui-test')  # the shared helpers, next to this file
_, TestFailure, find_all, log, wait_for = ui._, ui.TestFailure, ui.find_all, ui.log, ui.wait_for
click, press, CONTROL_L, ALT_L, text_of = ui.click, ui.press, ui.CONTROL_L, ui.ALT_L, ui.text_of

ARTIFACTS = 'settings'  # the screenshots' folder under $HEARTH_TEST_ARTIFACTS
MAC = '52:54:00:6b:3c:58'
NEW_MAC = '52:54:00:12:34:56'
MULTICAST_MAC = '01:00:5e:00:00:01'
MACHINE = 'workstation'
DESCRIPTION = 'Family workstation <&>'
MEMORY_MIB = '3072'
TOO_MUCH_MIB = '20000'   # more than the fixture host's 16 GiB

PAGES = [('general', 'General'), ('hardware', 'Processor & Memory'), ('storage', 'Storage'),
         ('network', 'Network'), ('devices', 'Display & Boot'), ('xml', 'Edit XML')]


def screenshot(name):
    ui.screenshot(ARTIFACTS, name)


def settings_open(app):
    # A wide window shows the page tabs in place of its title.
    return find_all(app, role='page tab', name=_('Processor & Memory'))


def open_settings(app):
    """Opens the settings through the machine's context menu (its mnemonic)."""
    tile = ui.tile_named(app, MACHINE)
    click(tile)
    click(tile, button=3)
    label = _('S_ettings…')
    ui.type_text(label[label.index('_') + 1].lower())
    wait_for('the settings window', lambda: settings_open(app))
    # The values come from libvirt in a worker; the name row fills in once loaded.
    wait_for('the settings to load', lambda: [
        n for n in find_all(app, role='text', name=_('Name')) if text_of(n) == MACHINE])


def close_settings(app):
    # A popover that just closed may still hold the first Escape.
    for attempt in range(3):
        press('Escape')
        try:
            wait_for('the settings window to close', lambda: not settings_open(app), timeout=5)
            return
        except TestFailure:
            continue
    raise TestFailure('the settings window did not close')


def show_page(app, title):
    tabs = wait_for('the %s page tab' % title,
                    lambda: find_all(app, role='page tab', name=_(title)))
    # The window has two view switchers (header bar and bottom bar); only one is
    # on screen, and GTK 4.8 reports both as showing: try them in turn until the
    # page is selected.
    for tab in tabs:
        click(tab)
        try:
            wait_for('the %s page' % title,
                     lambda: tab.getState().contains(pyatspi.STATE_SELECTED), timeout=5)
            return
        except TestFailure:
            continue
    raise TestFailure('the %s page did not show' % title)


def replace_text(node, text):
    # Click near the start: a spin button's middle may be its "−" button.
    ext = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    x, y = ext.x + 12, ext.y + ext.height // 2
    pyatspi.Registry.generateMouseEvent(x, y, pyatspi.MOUSE_ABS)
    time.sleep(0.1)
    pyatspi.Registry.generateMouseEvent(x, y, 'b1c')
    time.sleep(0.3)
    press('a', modifiers=(CONTROL_L,))
    ui.type_text(text)


def spin(app, name):
    return wait_for('the %s spin button' % name,
                    lambda: find_all(app, role='spin button', name=_(name)))[0]


def settings_window(app):
    """The settings window, to search only there: walking the main window's
    tiles too is slow enough to miss a toast on a busy machine."""
    title = _('%s Settings') % MACHINE
    try:
        for window in app:
            if window is not None and window.name == title:
                return window
    except Exception:
        pass
    return app


def expect_label(app, text, what):
    wait_for(what, lambda: find_all(settings_window(app), role='label', name=text))


def set_memory(app, mib):
    memory = spin(app, 'Memory in MiB')
    replace_text(memory, mib)
    press('Return')
    apply = wait_for('Apply to become sensitive', lambda: [
        b for b in find_all(app, role='push button', name=_('Apply processor and memory'))
        if b.getState().contains(pyatspi.STATE_SENSITIVE)])
    ui.do_action(apply[0])


def labels_containing(app, text):
    return [n for n in find_all(settings_window(app), role='label') if n.name and text in n.name]


def expect_toast(app, setting):
    expect_label(app, _('%s: applied') % _(setting), 'the %s applied toast' % setting)


def end_of_text(node):
    click(node)
    press('End', modifiers=(CONTROL_L,))


def storage_changes(app, tag):
    """Inserts an ISO through the file chooser, adds a disk and removes it."""
    directory = os.environ.get('HEARTH_TEST_TMPDIR') or '/tmp'
    iso = os.path.join(directory, 'rescue-disc.iso')
    with open(iso, 'wb') as f:
        f.write(b'\0' * 4096)
    insert = wait_for('the Insert button', lambda: find_all(
        app, role='push button', name=_('Insert an image into CD-ROM %s') % 'sda'))
    ui.do_action(insert[0])
    # Typing a path starting with / opens the chooser's location entry, and
    # Return inserts what it names.
    time.sleep(2.0)
    ui.type_text(iso)
    time.sleep(0.8)
    press('Return')
    wait_for('the ISO in the CD-ROM', lambda: labels_containing(app, 'rescue-disc.iso'))
    log('an ISO inserted through the file chooser')

    size = spin(app, 'New disk size in GiB')
    replace_text(size, '1')
    press('Return')
    ui.do_action(wait_for('the Add Disk button', lambda: find_all(
        app, role='push button', name=_('Add Disk')))[0])
    remove = wait_for('the new disk vdb', lambda: find_all(
        app, role='push button', name=_('Remove disk %s') % 'vdb'))
    log('a 1 GiB disk added')
    ui.do_action(remove[0])
    wait_for('the remove dialog', lambda: find_all(app, name=_('Remove Disk %s?') % 'vdb'))
    screenshot(tag + '-storage-remove')
    confirm = wait_for('the Remove response', lambda: [
        b for b in find_all(app, role='push button')
        if b.name.replace('_', '').startswith(ui.strip_mnemonic(_('_Remove')))
        and not b.name.startswith(_('Remove disk %s') % 'v')])
    ui.do_action(confirm[-1])
    wait_for('the disk to go', lambda: not find_all(
        app, role='push button', name=_('Remove disk %s') % 'vdb'))
    log('the disk removed, its image kept')


def os_search(app, tag):
    show_page(app, 'General')
    click(wait_for('the OS button', lambda: find_all(
        app, name=_('Change the operating system')))[0])
    time.sleep(0.8)
    ui.type_text('fedora')

    def fedora_rows():
        return [n for n in labels_containing(app, 'Fedora')
                if n.parent is not None and n.parent.getRoleName() == 'list item']
    # The catalogue loads in a worker; the list fills in once it has.
    wait_for('Fedora in the catalogue', fedora_rows, timeout=90)
    screenshot(tag + '-general-os-search')
    name = fedora_rows()[0].name
    # The popover is a surface of its own, where window coordinates do not
    # reach: Tab goes from the search entry to the first result, Return picks it.
    press('Tab')
    press('Return')
    wait_for('the OS row to name %s' % name, lambda: [
        n for n in find_all(settings_window(app), role='label', name=name)
        if n.parent is None or n.parent.getRoleName() != 'list item'])
    log('an OS found by searching the catalogue: %s' % name)


def cpu_model(app, tag):
    show_page(app, 'Processor & Memory')
    row = wait_for('the CPU model row', lambda: labels_containing(app, _('CPU Model')))
    click(row[0])
    # The popover opens on the current choice (the hypervisor's default); the
    # host model is next.
    wait_for('the CPU model list', lambda: find_all(app, role='label', name=_('Host Model')))
    time.sleep(0.5)
    press('Down')
    press('Return')
    expect_toast(app, 'CPU model')
    log('the CPU model changed to host-model')
    screenshot(tag + '-hardware-cpu')


def mac_entry(app):
    # GTK 4.8 names the entry row's text by the row's label and its title.
    name = _('MAC address of %s') % MAC
    return wait_for('the MAC entry', lambda: [
        n for n in find_all(settings_window(app), role='text') if n.name.startswith(name)])[0]


def network_changes(app, tag):
    show_page(app, 'Network')
    click(wait_for('the interface row', lambda: find_all(
        app, role='label', name=_('Network “%s”') % 'default'))[0])
    entry = mac_entry(app)
    replace_text(entry, MULTICAST_MAC)
    press('Return')
    expect_label(app, _('This MAC address cannot be used. Enter six pairs of hex digits '
                        'separated by colons, not a multicast address and not one another '
                        'machine uses.'), 'the refusal of a multicast MAC address')
    log('a multicast MAC address refused in place')
    screenshot(tag + '-network-refused')
    entry = mac_entry(app)
    replace_text(entry, NEW_MAC)
    press('Return')
    expect_toast(app, 'MAC address')
    wait_for('the new MAC address', lambda: find_all(app, role='label', name=NEW_MAC))
    log('the MAC address changed')

    cable = wait_for('the cable switch', lambda: [
        n for n in find_all(app, name=_('Cable connected for %s') % NEW_MAC)
        if n.getRoleName() in ('switch', 'toggle button', 'check box')])
    click(cable[0])
    expect_toast(app, 'Virtual cable')
    log('the virtual cable unplugged')
    click(wait_for('the interface row', lambda: find_all(
        app, role='label', name=_('Network “%s”') % 'default'))[0])
    screenshot(tag + '-network-expanded')


def xml_view(app):
    return wait_for('the XML view', lambda: find_all(app, role='text', name=_('Domain XML')))[0]


def save_xml(app):
    ui.do_action(wait_for('Save XML', lambda: [
        b for b in find_all(app, role='push button', name=_('Save XML'))
        if b.getState().contains(pyatspi.STATE_SENSITIVE)])[0])


def xml_changes(app, tag):
    show_page(app, 'Edit XML')
    end_of_text(xml_view(app))
    ui.type_text('<broken')
    save_xml(app)
    expect_label(app, _('This XML cannot be saved. Correct it and save again.'),
                 'the refusal of malformed XML')
    log('malformed XML refused in place')
    screenshot(tag + '-xml-refused')
    ui.do_action(find_all(app, role='push button', name=_('Revert XML'))[0])
    end_of_text(xml_view(app))
    ui.type_text('<!-- edited in Hearth -->')
    save_xml(app)
    expect_toast(app, 'XML')
    log('a valid XML edit saved')


def scenario(app, tag):
    ui.expect_states(app, {MACHINE: 'Shut Off'})
    open_settings(app)
    log('the context menu opens the settings of %s' % MACHINE)
    screenshot(tag + '-general')

    # The description applies from its entry (Return), and a toast says so.
    entry = wait_for('the description entry',
                     lambda: find_all(app, role='text', name=_('Description')))[0]
    replace_text(entry, DESCRIPTION)
    press('Return')
    expect_label(app, _('%s: applied') % _('Description'), 'the description applied toast')
    log('description applied')

    # Memory above the host's is refused in place, with the reason.
    show_page(app, 'Processor & Memory')
    set_memory(app, TOO_MUCH_MIB)
    refusal = _('This much memory is more than the machine can have on this host.')
    expect_label(app, refusal, 'the refusal under the memory group')
    log('too much memory refused in place')
    screenshot(tag + '-hardware-refused')

    set_memory(app, MEMORY_MIB)
    expect_label(app, _('%s: applied') % _('Memory'), 'the memory applied toast')
    wait_for('the refusal to go', lambda: not find_all(app, role='label', name=refusal))
    log('memory applied')
    screenshot(tag + '-hardware')

    # Storage: the CD-ROM holds the installer; eject it.
    show_page(app, 'Storage')
    screenshot(tag + '-storage')
    eject = wait_for('the Eject button', lambda: find_all(
        app, role='push button', name=_('Eject CD-ROM %s') % 'sda'))
    ui.do_action(eject[0])
    # The toast may be gone by the time a slow walk of the tree gets there; the
    # empty drive is what counts.
    wait_for('the CD-ROM applied toast or the empty drive', lambda: find_all(
        app, role='label', name=_('%s: applied') % _('CD-ROM')) or find_all(
        app, role='label', name=_('Empty')))
    wait_for('the CD-ROM to be empty', lambda: find_all(app, role='label', name=_('Empty')))
    wait_for('the Eject button to go', lambda: not find_all(
        app, role='push button', name=_('Eject CD-ROM %s') % 'sda'))
    log('CD-ROM ejected')

    # A new disk bigger than the pool's free space is refused in place.
    size = spin(app, 'New disk size in GiB')
    replace_text(size, '190')
    press('Return')
    add = wait_for('the Add Disk button', lambda: find_all(app, role='push button',
                                                           name=_('Add Disk')))
    ui.do_action(add[0])
    expect_label(app, _('A disk of this size does not fit in the free space.'),
                 'the refusal of too big a disk')
    log('too big a disk refused in place')
    screenshot(tag + '-storage-refused')

    # Grow the system disk by a GiB through its dialog. The test driver cannot
    # resize volumes, so the refusal comes from libvirt, after the checks, and
    # nothing changes.
    grow = wait_for('the Grow button', lambda: find_all(
        app, role='push button', name=_('Grow disk %s') % 'vda'))
    ui.do_action(grow[0])
    heading = _('Grow Disk %s?') % 'vda'
    wait_for('the grow dialog', lambda: find_all(app, name=heading))
    screenshot(tag + '-storage-grow')
    confirm = wait_for('the Grow response', lambda: [
        b for b in find_all(app, role='push button')
        if b.name.replace('_', '').startswith(ui.strip_mnemonic(_('_Grow')))
        and not b.name.startswith(_('Grow disk %s') % 'vda')])
    ui.do_action(confirm[-1])
    expect_label(app, _('This disk cannot grow here. Nothing was changed.'),
                 'the refusal to grow on the test driver')
    wait_for('the disk at its old size', lambda: find_all(
        app, role='label', name=_('%s · %s') % ('workstation.qcow2', _('%u GiB') % 20)))
    log('growing a disk the driver cannot resize is refused, the disk unchanged')

    storage_changes(app, tag)
    cpu_model(app, tag)
    network_changes(app, tag)
    xml_changes(app, tag)

    for page_id, title in PAGES[3:]:
        show_page(app, title)
        screenshot('%s-%s' % (tag, page_id))
    close_settings(app)

    # Opening the settings again reads them from libvirt: the changes are there.
    open_settings(app)
    entry = wait_for('the description entry',
                     lambda: find_all(app, role='text', name=_('Description')))[0]
    if text_of(entry) != DESCRIPTION:
        raise TestFailure('description read back as %r' % text_of(entry))
    show_page(app, 'Processor & Memory')
    memory = spin(app, 'Memory in MiB')
    wait_for('memory read back', lambda: text_of(memory) == MEMORY_MIB)
    log('description and memory read back from libvirt')
    # By now the OS catalogue has loaded: the General page names the OS.
    show_page(app, 'General')
    screenshot(tag + '-general-reopened')
    os_search(app, tag)
    close_settings(app)

    # A running machine cannot be renamed: the name is insensitive, and says why.
    ui.click(ui.tile_named(app, MACHINE))
    press('Return', modifiers=(CONTROL_L,))
    ui.expect_states(app, {MACHINE: 'Running'})
    ui.click(ui.tile_named(app, MACHINE))
    press('Return', modifiers=(ALT_L,))
    wait_for('the settings window', lambda: settings_open(app))
    expect_label(app, _('The name can change while the machine is shut off.'),
                 'the reason the name cannot change')
    name = wait_for('the name entry', lambda: find_all(app, role='text', name=_('Name')))[0]
    if name.getState().contains(pyatspi.STATE_SENSITIVE):
        raise TestFailure('the name of a running machine can be edited')
    log('Alt+Return opens the settings; a running machine keeps its name')
    screenshot(tag + '-general-running')
    close_settings(app)


if __name__ == '__main__':
    sys.exit(ui.run_on_fixture(scenario, ARTIFACTS))
