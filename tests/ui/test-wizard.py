#!/usr/bin/python3
# test-wizard.py  SPDX-License-Identifier: GPL-3.0-or-later
#
# Walks the creation wizard through the accessibility tree, as a user would:
# Source (an OS from the catalogue) → Purpose → Resources → Security → Review,
# back and forth, a name that is taken (the error stays in the wizard), then
# Create; the new machine must appear, running, in the main window. With
# HEARTH_WIZARD_SCENARIO=iso it starts from ISO files chosen in the file chooser;
# with HEARTH_WIZARD_SCENARIO=narrow it walks every page at 360 px wide.
# Screenshots of every page go to $HEARTH_TEST_ARTIFACTS/wizard/.
#
# Run by run-ui-test.sh (HEARTH_UI_SCRIPT) inside its own D-Bus session and X server.
# Usage: test-wizard.py HEARTH FIXTURE

import importlib
import os
import re
import subprocess
import sys
import time

import pyatspi

ui = importlib.import_module('hearth-ui-test')  # the shared helpers, next to this file
_, TestFailure, find_all, log, wait_for = ui._, ui.TestFailure, ui.find_all, ui.log, ui.wait_for
do_action, click = ui.do_action, ui.click
press, CONTROL_L = ui.press, ui.CONTROL_L

ARTIFACTS = 'wizard'  # the screenshots' folder under $HEARTH_TEST_ARTIFACTS
OS_QUERY = 'debian 11'
OS_NAME = 'Debian 11'
PURPOSE_NAME = 'Developer test cluster node'  # the first card: on screen without scrolling
TAKEN_NAME = 'running-server'
NEW_NAME = '家庭服务器 🏠'


def screenshot(name):
    ui.screenshot(ARTIFACTS, name)


def wizard_frame(app):
    return [f for f in find_all(app, role='frame') if f.name == _('New Machine')]


def button(app, label):
    # Only the wizard's own buttons: the main window has "Create a Machine".
    name = ui.strip_mnemonic(_(label))
    return wait_for('the %s button' % name, lambda: ui.buttons(wizard_frame(app)[0], label))[0]


def press_button(app, label):
    node = button(app, label)
    if not node.getState().contains(pyatspi.STATE_SENSITIVE):
        raise TestFailure('%s is not enabled' % label)
    do_action(node)


def page_subtitle_is(app, number, title):
    text = _('Step %u of %u: %s') % (number, 5, _(title))
    return find_all(app, role='label', name=text)


def go_next(app, number, title):
    press_button(app, 'Next')
    wait_for('page %d (%s)' % (number, title), lambda: page_subtitle_is(app, number, title))


def go_back(app, number, title):
    press_button(app, 'Back')
    wait_for('page %d (%s) again' % (number, title), lambda: page_subtitle_is(app, number, title))


def name_text(app):
    # The Review page's only text field on screen: the entry inside the Name row.
    entries = [n for n in find_all(app) if n.getRoleName() in ('text', 'entry')
               and n.name != _('Search operating systems')]
    if not entries:
        raise TestFailure('no Name entry')
    return entries[0]


def set_name(app, text):
    node = name_text(app)
    node.queryEditableText().setTextContents(text)
    time.sleep(0.3)


def get_name(app):
    return ui.text_of(name_text(app))


def search_os(app):
    """Searches the catalogue for OS_QUERY: the rows of OS_NAME."""
    entry = wait_for('the OS search', lambda: find_all(app, name=_('Search operating systems'),
                                                       role='entry') or
                     find_all(app, name=_('Search operating systems'), role='text'))
    entry[0].queryEditableText().setTextContents(OS_QUERY)
    return wait_for('%s in the catalogue' % OS_NAME,
                    lambda: [n for n in find_all(app, role='list item')
                             if n.name.startswith(OS_NAME)])


def open_wizard(app):
    press('n', modifiers=(CONTROL_L,))
    wait_for('the wizard', lambda: wizard_frame(app))


def choose_option(app, what, label):
    """Clicks the wizard's radio (or check) button whose name starts with @label."""
    option = wait_for(what, lambda: [
        n for n in find_all(wizard_frame(app)[0], role='radio button') +
        find_all(wizard_frame(app)[0], role='check box')
        if n.name.startswith(_(label))])
    click(option[0])


def scenario(app, tag):
    ui.expect_states(app, {'Running Server': 'Running'})

    # Ctrl+N opens the wizard.
    open_wizard(app)
    wait_for('page 1', lambda: page_subtitle_is(app, 1, 'Source'))
    log('Ctrl+N opens the wizard on its first page')

    # Nothing chosen yet: Next is disabled.
    if button(app, 'Next').getState().contains(pyatspi.STATE_SENSITIVE):
        raise TestFailure('Next is enabled before a source is chosen')

    # The catalogue: search, then pick the OS.
    row = search_os(app)
    log('the catalogue row is a %s' % row[0].getRoleName())
    click(row[0])
    screenshot(tag + '-1-source')
    go_next(app, 2, 'Purpose')
    log('chose %s from the catalogue' % OS_NAME)

    # Purposes: cards with the sizes for this host.
    purpose = ui._catalog.gettext(PURPOSE_NAME)
    card = wait_for('the %s card' % purpose, lambda: [
        n for n in find_all(app, role='table cell') if n.name.startswith(purpose)])
    sizes = wait_for('the sizes on the card', lambda: [
        n.name for n in ui.walk(card[0])
        if n.getRoleName() == 'label' and re.match(r'^\d+ ', n.name) and 'GiB' in n.name])
    if button(app, 'Next').getState().contains(pyatspi.STATE_SENSITIVE):
        raise TestFailure('Next is enabled before a purpose is chosen')
    click(card[0])
    screenshot(tag + '-2-purpose')
    log('the purpose card says %r' % sizes[0])
    go_next(app, 3, 'Resources')

    # Resources: the golden-ratio gauge counts the running machine.
    wait_for('the verdict', lambda: find_all(app, role='label', name=_('Fits Comfortably')))
    screenshot(tag + '-3-resources')
    # More vCPUs than the running machine leaves room for: the gauge says so at
    # once, with numbers; back to the preset's value, it fits again.
    spin = wait_for('the vCPU spin button', lambda: find_all(app, role='spin button',
                                                             name=_('Virtual CPUs')))
    value = spin[0].queryValue()
    preset_vcpus = value.currentValue
    value.currentValue = value.maximumValue
    wait_for('the over-budget verdict',
             lambda: find_all(app, role='label', name=_('Too Much While Others Run')))
    screenshot(tag + '-3-resources-over')
    log('%d vCPUs break the golden ratio next to the running machine' % value.maximumValue)
    value.currentValue = preset_vcpus
    wait_for('the verdict again', lambda: find_all(app, role='label', name=_('Fits Comfortably')))
    go_next(app, 4, 'Security')
    screenshot(tag + '-4-security')
    # Sandbox mode: the new machine gets a clean-state snapshot before it first
    # boots and returns to it at every power-off; its tile says so below.
    sandbox = wait_for('the sandbox switch', lambda: [
        n for n in find_all(app)
        if n.getRoleName() in ('toggle button', 'switch', 'check box') and
        (n.name or '').startswith(_('Sandbox Mode'))])
    if not sandbox[0].getState().contains(pyatspi.STATE_CHECKED):
        click(sandbox[0])
    wait_for('sandbox mode on', lambda: sandbox[0].getState().contains(pyatspi.STATE_CHECKED))
    go_next(app, 5, 'Review')

    # Review: the suggested name comes from the OS.
    wait_for('the suggested name', lambda: get_name(app).startswith(OS_NAME))
    screenshot(tag + '-5-review')
    log('review suggests the name %r' % get_name(app))

    # Back and forth keeps what was chosen.
    go_back(app, 4, 'Security')
    go_back(app, 3, 'Resources')
    go_next(app, 4, 'Security')
    go_next(app, 5, 'Review')

    # A taken name: the error stays in the wizard, with everything entered.
    set_name(app, TAKEN_NAME)
    press_button(app, 'Create')
    title = _('Another machine already has this name')
    wait_for('the name-taken error', lambda: find_all(app, role='label', name=title))
    if not wizard_frame(app):
        raise TestFailure('the wizard closed on an error')
    screenshot(tag + '-6-error')
    log('a taken name is reported in place')

    # Any Unicode name works.
    set_name(app, NEW_NAME)
    wait_for('the error to stay until Create', lambda: get_name(app) == NEW_NAME)
    press_button(app, 'Create')
    wait_for('the wizard to close', lambda: not wizard_frame(app))
    ui.expect_states(app, {NEW_NAME: 'Running', 'Running Server': 'Running'})
    cell = ui.tile_named(app, NEW_NAME).parent
    wait_for('the new machine to be selected',
             lambda: cell.getState().contains(pyatspi.STATE_SELECTED))
    screenshot(tag + '-7-created')
    log('the machine was created, started and selected')
    wait_for('the sandbox badge on the new tile', lambda: [
        n for n in find_all(ui.tile_named(app, NEW_NAME), role='label', name=_('Sandbox'))])
    log('the new machine is in sandbox mode')


def make_iso(directory, name, volume_id):
    """A bootable ISO image whose volume id osinfo-db may recognise."""
    tree = os.path.join(directory, 'tree')
    os.makedirs(tree, exist_ok=True)
    with open(os.path.join(tree, 'boot.img'), 'wb') as f:
        f.write(bytes(2048))
    path = os.path.join(directory, name)
    subprocess.run(['xorriso', '-as', 'mkisofs', '-quiet', '-V', volume_id, '-b', 'boot.img',
                    '-no-emul-boot', '-o', path, tree], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return path


def choose_file(app, path, button_label='Choose an Image File'):
    """Chooses @path in the file chooser the way a keyboard user would:
    typing a path starting with / opens the location entry."""
    press_button(app, button_label)

    def open_buttons():
        return ui.buttons(app, '_Open')
    wait_for('the file chooser', open_buttons)
    time.sleep(1.0)
    ui.type_text(path)
    time.sleep(0.5)
    press('Return')
    wait_for('the file chooser to close', lambda: not open_buttons())


def scenario_iso(app, tag):
    """An ISO file: a file that is no ISO is refused in place, a recognised one
    names the machine."""
    directory = os.environ.get('HEARTH_TEST_TMPDIR') or '/tmp'
    notes = os.path.join(directory, 'notes.iso')
    with open(notes, 'w') as f:
        f.write('not an image\n')
    ubuntu = make_iso(directory, 'ubuntu.iso', 'Ubuntu 22.04.1 LTS amd64')

    ui.expect_states(app, {'Running Server': 'Running'})
    open_wizard(app)
    choose_option(app, 'the ISO choice', 'An Installer or Live Image')

    choose_file(app, notes)
    bad = _('This file is not a CD or DVD image (ISO). Choose another file.')
    wait_for('the not-an-ISO message', lambda: find_all(app, role='label', name=bad))
    if button(app, 'Next').getState().contains(pyatspi.STATE_SENSITIVE):
        raise TestFailure('Next is enabled for a file that is not an ISO')
    screenshot(tag + '-iso-refused')
    log('a file that is no ISO is refused in place')

    choose_file(app, ubuntu)
    wait_for('the detected system', lambda: [
        n for n in find_all(app, role='label') if n.name.startswith('Ubuntu 22.04 LTS')])
    screenshot(tag + '-iso-detected')
    log('the ISO is recognised as Ubuntu 22.04 LTS')
    go_next(app, 2, 'Purpose')
    card = wait_for('the first purpose card', lambda: find_all(app, role='table cell'))
    click(card[0])
    go_next(app, 3, 'Resources')
    go_next(app, 4, 'Security')
    go_next(app, 5, 'Review')
    wait_for('the name from the ISO', lambda: get_name(app) == 'Ubuntu 22.04 LTS')
    press_button(app, 'Create')
    wait_for('the wizard to close', lambda: not wizard_frame(app))
    ui.expect_states(app, {'Ubuntu 22.04 LTS': 'Running'})
    screenshot(tag + '-iso-created')
    log('a machine was created from the ISO')

    # An existing disk image, used in place: the machine is named after it.
    disk = os.path.join(directory, 'old-desktop.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', disk, '1G'], check=True)
    open_wizard(app)
    choose_option(app, 'the disk image choice', 'An Existing Disk Image')
    choose_file(app, disk, 'Choose a Disk Image')
    choose_option(app, 'the in-place choice', 'Use the Image in Place')
    screenshot(tag + '-disk-source')
    go_next(app, 2, 'Purpose')
    card = wait_for('the first purpose card', lambda: find_all(app, role='table cell'))
    click(card[0])
    go_next(app, 3, 'Resources')
    go_next(app, 4, 'Security')
    go_next(app, 5, 'Review')
    wait_for('the name from the file', lambda: get_name(app) == 'old-desktop')
    used = _('%s itself, used in place') % disk
    wait_for('the review of the disk', lambda: find_all(app, role='label', name=used))
    screenshot(tag + '-disk-review')
    press_button(app, 'Create')
    wait_for('the wizard to close', lambda: not wizard_frame(app))
    ui.expect_states(app, {'old-desktop': 'Running'})
    log('a machine was created from an existing disk image, in place')


# --- the narrow, phone-like layout ---------------------------------------------

NARROW_WIDTH = 360
NARROW_HEIGHT = 720


def x_window_of(title):
    """The X window whose _NET_WM_NAME is @title (there is no window manager)."""
    out = subprocess.run(['xwininfo', '-root', '-children'], capture_output=True,
                         text=True, check=True).stdout
    for match in re.finditer(r'^\s+(0x[0-9a-f]+) ', out, re.M):
        window = match.group(1)
        prop = subprocess.run(['xprop', '-id', window, '_NET_WM_NAME'], capture_output=True,
                              text=True).stdout
        if '"%s"' % title in prop:
            return int(window, 16)
    raise TestFailure('no X window called %r' % title)


def window_screenshot(window, name):
    ui.screenshot(ARTIFACTS, name, window=window)


def check_fits(app, page):
    """No widget on screen sticks out of the wizard left or right."""
    frame = wizard_frame(app)[0]
    box = frame.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    if box.width > NARROW_WIDTH:
        raise TestFailure('the wizard is %d px wide on the %s page, not %d'
                          % (box.width, page, NARROW_WIDTH))
    wide = []
    checked = 0
    for node in ui.walk(frame):
        try:
            if not ui.is_showing(node):
                continue
            ext = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        except Exception:
            continue
        checked += 1
        if ext.x < box.x - 1 or ext.x + ext.width > box.x + box.width + 1:
            wide.append('%s %r (x %d, width %d)' % (node.getRoleName(), node.name, ext.x - box.x,
                                                    ext.width))
    if wide:
        raise TestFailure('on the %s page, wider than the %d px window: %s'
                          % (page, box.width, '; '.join(wide[:8])))
    log('%s page: %d widgets fit in %d px' % (page, checked, box.width))


ZONES = ['Isolated', 'Home Network', 'DMZ']  # the Network row's order


def choose_zone(app, zone):
    """Picks @zone in the Network row's list with the keyboard: the list is a
    popover, whose coordinates AT-SPI cannot give in screen terms."""
    frame = wizard_frame(app)[0]
    # GTK 4.8 names it "Network Network": its label, then its title.
    row = wait_for('the Network row', lambda: [
        n for n in find_all(frame, role='combo box') if n.name.startswith(_('Network'))])
    click(row[0])
    name = ui.C_('network zone', zone)
    wait_for('the list of zones', lambda: find_all(app, role='label', name=name))
    time.sleep(0.5)
    press('Home')
    for _i in range(ZONES.index(zone)):
        press('Down')
    press('Return')
    wait_for('%s chosen' % name, lambda: [
        n for n in find_all(frame, role='label', name=name)])
    time.sleep(0.5)


def scenario_narrow(app, tag):
    """Every page at 360 px wide: nothing sticks out, and the home server's DMZ
    becomes the home network on a connection without network filters."""
    ui.expect_states(app, {'Running Server': 'Running'})
    open_wizard(app)
    window = x_window_of(_('New Machine'))
    ui.resize_x_window(window, NARROW_WIDTH, NARROW_HEIGHT)

    def narrow():
        # The X window includes the frame's shadow; the frame itself is the content.
        ext = wizard_frame(app)[0].queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        log('the wizard frame is %d px wide' % ext.width)
        return NARROW_WIDTH - 32 <= ext.width <= NARROW_WIDTH
    wait_for('the wizard at %d px' % NARROW_WIDTH, narrow)
    wait_for('page 1', lambda: page_subtitle_is(app, 1, 'Source'))
    check_fits(app, 'Source')
    window_screenshot(window, tag + '-1-source-narrow')

    click(search_os(app)[0])
    check_fits(app, 'Source')
    window_screenshot(window, tag + '-1-source-chosen-narrow')
    go_next(app, 2, 'Purpose')

    # The home server: its purpose asks for the DMZ, which the test driver
    # cannot give. Cards stack one per line here; focus scrolls to the card.
    purpose = ui._catalog.gettext('Home server')
    card = wait_for('the %s card' % purpose, lambda: [
        n for n in find_all(app, role='table cell', showing=False)
        if n.name.startswith(purpose)])
    check_fits(app, 'Purpose')
    window_screenshot(window, tag + '-2-purpose-narrow')
    # Below the fold: the keyboard walks there (the view follows the focus), as
    # AT-SPI cannot focus a GTK 4 flow box child.
    cards = find_all(app, role='table cell', showing=False)
    click(cards[0])
    frame_height = wizard_frame(app)[0].queryComponent().getExtents(pyatspi.WINDOW_COORDS).height

    def card_on_screen():
        ext = card[0].queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        if ext.height > 0 and ext.y > 0 and ext.y + ext.height < frame_height:
            return True
        # Not press(): its pause would slow this poll down.
        pyatspi.Registry.generateKeyboardEvent(ui.KEYSYMS['Down'], None, pyatspi.KEY_SYM)
        return False
    wait_for('the card on screen', card_on_screen)
    click(card[0])
    window_screenshot(window, tag + '-2-purpose-chosen-narrow')
    go_next(app, 3, 'Resources')
    wait_for('the verdict', lambda: find_all(app, role='label', name=_('Fits Comfortably')))
    check_fits(app, 'Resources')
    window_screenshot(window, tag + '-3-resources-narrow')
    go_next(app, 4, 'Security')
    note = _('Reaches the internet and your home network. This purpose would use the DMZ, '
             'which this connection cannot give')
    wait_for('the note that the DMZ is not possible', lambda: find_all(app, role='label',
                                                                      name=note))
    check_fits(app, 'Security')
    window_screenshot(window, tag + '-4-security-narrow')
    log('the home server gets the home network, with a note, without network filters')

    # Choosing the DMZ anyway: the page says why it cannot be, and Next stays off.
    choose_zone(app, 'DMZ')
    unavailable = _('Not possible on this connection: keeping a machine away from your home '
                    'network needs libvirt’s network filters, which only the system connection '
                    'has')
    wait_for('the note that the DMZ is not possible here',
             lambda: find_all(app, role='label', name=unavailable))
    if button(app, 'Next').getState().contains(pyatspi.STATE_SENSITIVE):
        raise TestFailure('Next is enabled with a zone the connection cannot give')
    check_fits(app, 'Security')
    window_screenshot(window, tag + '-4-security-dmz-narrow')
    log('the DMZ is refused in place on a connection without network filters')
    choose_zone(app, 'Home Network')
    wait_for('Next again', lambda: button(app, 'Next').getState().contains(
        pyatspi.STATE_SENSITIVE))
    go_next(app, 5, 'Review')
    wait_for('the suggested name', lambda: get_name(app).startswith(OS_NAME))
    check_fits(app, 'Review')
    window_screenshot(window, tag + '-5-review-narrow')

    # Created at this size too.
    set_name(app, 'narrow ' + NEW_NAME)
    press_button(app, 'Create')
    wait_for('the wizard to close', lambda: not wizard_frame(app))
    ui.expect_states(app, {'narrow ' + NEW_NAME: 'Running'})
    log('a machine was created from the narrow wizard')


if __name__ == '__main__':
    run_scenario = {'iso': scenario_iso, 'narrow': scenario_narrow}.get(
        os.environ.get('HEARTH_WIZARD_SCENARIO'), scenario)
    sys.exit(ui.run_on_fixture(run_scenario, ARTIFACTS, default_tag='wizard'))
