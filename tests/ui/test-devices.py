#!/usr/bin/python3
# test-devices.py  SPDX-License-Identifier: GPL-3.0-or-later
#
# The Sharing page of the machine settings, driven through the accessibility tree
# as a user would: share a folder through the file chooser, attach a USB device
# with its switch, see a running machine refuse a device in place (the test
# driver has no hot-plug) with the switch put back, read both back from libvirt
# by opening the window again, and stop sharing the folder. Screenshots go to
# $HEARTH_TEST_ARTIFACTS/devices/.
#
# Run by run-ui-test.sh (HEARTH_UI_SCRIPT) inside its own D-Bus session and X
# server, on the test driver node tests/data/devices/devices-node.xml.
# Usage: test-devices.py HEARTH FIXTURE

import importlib
import os
import sys
import time

import pyatspi

ui = importlib.import_module('hearth-ui-test')  # the shared helpers, next to this file
_, TestFailure, find_all, log, wait_for = ui._, ui.TestFailure, ui.find_all, ui.log, ui.wait_for
press = ui.press

ARTIFACTS = 'devices'  # the screenshots' folder under $HEARTH_TEST_ARTIFACTS
WORKSTATION = 'Family Workstation'
RUNNING = 'Fedora 38 Workstation'
FOLDER = 'Family Photos'
TAG = 'Family_Photos'


def screenshot(name):
    ui.screenshot(ARTIFACTS, name)


def sharing_tabs(app):
    return find_all(app, role='page tab', name=_('Sharing'))


def open_settings(app, machine):
    """Opens the settings through the machine's context menu (its mnemonic)."""
    tile = ui.tile_named(app, machine)
    ui.click(tile)
    ui.click(tile, button=3)
    label = _('S_ettings…')
    ui.type_text(label[label.index('_') + 1].lower())
    wait_for('the settings window', lambda: sharing_tabs(app))


def close_settings(app):
    # Without a window manager, keyboard focus follows the pointer, and X moves
    # it only once it has handled the motion: put the pointer on the settings
    # window (its Sharing tab), and press Escape again if the key went astray.
    for tab in sharing_tabs(app):
        try:
            x, y = ui.center(tab)
        except NotImplementedError:
            continue
        pyatspi.Registry.generateMouseEvent(x, y, pyatspi.MOUSE_ABS)
        time.sleep(1.0)
        break
    for attempt in range(3):
        press('Escape')
        try:
            wait_for('the settings window to close', lambda: not sharing_tabs(app), timeout=8)
            return
        except TestFailure:
            log('Escape did not reach the settings window; pressing it again')
    raise TestFailure('Escape does not close the settings window')


def show_sharing(app):
    # The window has two view switchers (header bar and bottom bar); only one is
    # on screen, and GTK 4.8 reports both as showing: try them in turn.
    for tab in sharing_tabs(app):
        try:
            ui.do_action(tab)
        except (NotImplementedError, TestFailure):
            continue  # a tab of the view switcher that is not on screen
        try:
            wait_for('the Sharing page',
                     lambda: tab.getState().contains(pyatspi.STATE_SELECTED), timeout=5)
            break
        except TestFailure:
            continue
    else:
        raise TestFailure('the Sharing page did not show')
    # The devices load in a worker; the page is insensitive until then.
    wait_for('the devices to load', lambda: [
        b for b in find_all(app, role='push button', name=_('Add a shared folder'))
        if b.getState().contains(pyatspi.STATE_SENSITIVE)])


SWITCH_ROLES = ('switch', 'toggle button', 'check box')


def usb_switches(app, product):
    # GTK 4.8 appends the row's title to the name of its activatable switch.
    name = _('Attach %s to the machine') % product
    return [n for n in find_all(app)
            if n.getRoleName() in SWITCH_ROLES and (n.name or '').startswith(name)]


def usb_switch(app, product):
    return wait_for('the switch of %s' % product, lambda: usb_switches(app, product))[0]


def toggle(product):
    """Flips a device's switch through its accessible action (the row may be
    scrolled out of view, so no click)."""
    node = usb_switch(app_ref[0], product)
    action = node.queryAction()
    if action.nActions == 0:
        raise TestFailure('the switch of %s has no action' % product)
    action.doAction(0)
    time.sleep(0.3)


app_ref = [None]


def scroll_down(app):
    """Scrolls the page to its end with the mouse wheel, to show what is under
    the USB list in a screenshot."""
    heading = find_all(app, role='label', name=_('USB Devices'))[0]
    x, y = ui.center(heading)
    pyatspi.Registry.generateMouseEvent(x, y, pyatspi.MOUSE_ABS)
    for _i in range(10):
        pyatspi.Registry.generateMouseEvent(x, y, 'b5c')
        time.sleep(0.05)


def is_on(node):
    return node.getState().contains(pyatspi.STATE_CHECKED)


def expect_label(app, text, what):
    wait_for(what, lambda: find_all(app, role='label', name=text))


def share_folder(app, path, toast='Shared folder added'):
    """Chooses @path in the folder chooser the way a keyboard user would:
    typing a path starting with / opens the location entry."""
    button = find_all(app, role='push button', name=_('Add a shared folder'))[0]
    ui.do_action(button)

    def share_buttons():
        return ui.buttons(app, '_Share')
    wait_for('the folder chooser', share_buttons)
    time.sleep(1.0)
    ui.type_text(path)
    time.sleep(0.8)
    ui.do_action(share_buttons()[0])
    # The toast says the share is made; it goes after a few seconds, so it is
    # looked for before anything else.
    expect_label(app, _(toast), 'the shared folder toast')
    wait_for('the folder chooser to close', lambda: not share_buttons())


def scenario(app, tag):
    app_ref[0] = app
    directory = os.environ.get('HEARTH_TEST_TMPDIR') or '/tmp'
    folder = os.path.join(directory, FOLDER)
    os.makedirs(folder, exist_ok=True)

    open_settings(app, WORKSTATION)
    show_sharing(app)
    expect_label(app, _('No folder is shared with this machine.'), 'the empty folder list')
    scanner = usb_switch(app, 'USB2.0 扫描仪')
    yubikey = usb_switch(app, 'YubiKey OTP+FIDO+CCID')
    if is_on(scanner) or is_on(yubikey):
        raise TestFailure('a USB device shows attached before any was')
    if usb_switches(app, '2.0 root hub'):
        raise TestFailure('the root hub is offered as a device')
    log('the host\'s USB devices are listed, the root hub hidden')
    screenshot(tag + '-sharing')

    share_folder(app, folder)
    expect_label(app, FOLDER, 'the shared folder row')
    expect_label(app, 'sudo mount -t virtiofs %s /mnt' % TAG, 'the mount command with the tag')
    log('a folder shared through the file chooser, its mount command shown')

    toggle('YubiKey OTP+FIDO+CCID')
    expect_label(app, _('USB device attached'), 'the USB attached toast')
    wait_for('the YubiKey attached',
             lambda: is_on(usb_switch(app, 'YubiKey OTP+FIDO+CCID')))
    log('a USB device attached with its switch')
    screenshot(tag + '-sharing-added')
    close_settings(app)

    # Read back from libvirt in a new window.
    open_settings(app, WORKSTATION)
    show_sharing(app)
    expect_label(app, FOLDER, 'the shared folder, read back')
    wait_for('the YubiKey read back attached',
             lambda: is_on(usb_switch(app, 'YubiKey OTP+FIDO+CCID')))
    log('the folder and the device read back from libvirt')

    remove = wait_for('the remove button', lambda: find_all(
        app, role='push button', name=_('Stop sharing %s') % TAG))
    ui.do_action(remove[0])
    expect_label(app, _('Shared folder removed'), 'the shared folder removed toast')
    expect_label(app, _('No folder is shared with this machine.'), 'the empty list again')
    if not os.path.isdir(folder):
        raise TestFailure('the folder went with the share')
    log('a share removed, the folder kept')
    close_settings(app)

    # A running machine: the test driver cannot hot-plug, so a device is
    # refused in place and its switch put back; nothing changes.
    open_settings(app, RUNNING)
    show_sharing(app)
    expect_label(app, 'Public', 'the GNOME Boxes share')
    # The test driver cannot hot-plug: the running machine gets it when it
    # starts again, and the toast says so.
    share_folder(app, folder, toast='Shared folder added: applies on next start')
    expect_label(app, FOLDER, 'the second share of the running machine')
    log('a folder shared with a running machine applies on next start')
    toggle('Unifying Receiver')
    expect_label(app, _('The running machine cannot take this device now. Nothing was '
                        'changed.'), 'the refusal of a device')
    wait_for('the switch put back',
             lambda: not is_on(usb_switch(app, 'Unifying Receiver')))
    log('a running machine that cannot take a device refuses it in place')
    scroll_down(app)
    screenshot(tag + '-sharing-refused')
    close_settings(app)


if __name__ == '__main__':
    sys.exit(ui.run_on_fixture(scenario, ARTIFACTS))
