#!/usr/bin/python3
# test-timeline.py  SPDX-License-Identifier: GPL-3.0-or-later
#
# The snapshot timeline, driven through the accessibility tree as a user would:
# open a machine's history with Ctrl+H, find every snapshot by its accessible
# name, move between them with the arrow keys, go back to one through the
# confirmation dialog (with "take a snapshot of now first"), and see "current"
# move; rename, sandbox mode, take and delete. Then a narrow window, where the
# time axis turns vertical, a machine without snapshots, and one whose raw
# disk cannot have any (the error shows in place). Screenshots go to
# $HEARTH_TEST_ARTIFACTS/timeline/.
#
# Run by run-ui-test.sh (HEARTH_UI_SCRIPT) inside its own D-Bus session and X server.
# Usage: test-timeline.py HEARTH FIXTURE

import gettext
import importlib
import subprocess
import sys

import pyatspi

ui = importlib.import_module('hearth-ui-test')  # the shared helpers, next to this file
_, TestFailure, find_all, log, wait_for = ui._, ui.TestFailure, ui.find_all, ui.log, ui.wait_for
do_action, click, C_ = ui.do_action, ui.click, ui.C_
press, CONTROL_L = ui.press, ui.CONTROL_L

ARTIFACTS = 'timeline'  # the screenshots' folder under $HEARTH_TEST_ARTIFACTS

# The fixture's snapshots (tests/ui/data/timeline.xml), by title.
TITLES = ['Fresh install', 'Homework 作业', 'Before update', 'Experiment <&>',
          'Before changing memory', 'Games installed']
FIRST_CURRENT = 'Before changing memory'
TARGET = 'Before update'
RENAMED = 'Ready for school 上学'


def screenshot(name):
    ui.screenshot(ARTIFACTS, name)


def snapshot_cards(root):
    """Cards by title: {title: (node, is_current)}. Buttons' names may have
    their labels' text appended (GTK 4.8), so only the start is matched."""
    head, middle = _('Snapshot “%s”, %s').split('%s')[:2]
    current_tail = _('Snapshot “%s”, %s, current').split('%s')[2]
    cards = {}
    for node in find_all(root, role='push button'):
        name = node.name or ''
        for title in TITLES + extra_titles:
            prefix = head + title + middle
            if name.startswith(prefix):
                cards[title] = (node, current_tail in name[len(prefix):])
    return cards


extra_titles = []


def current_title(root):
    cards = snapshot_cards(root)
    current = [t for t, (_node, is_current) in cards.items() if is_current]
    return current[0] if len(current) == 1 else current


def details_title(root, title):
    """The title in the details pane: a label with that text outside the cards."""
    def in_card(node):
        while node is not None:
            if node.getRoleName() == 'push button':
                return True
            node = node.parent
        return False
    return [n for n in find_all(root, role='label', name=title) if not in_card(n)]


def count_cards(root):
    head = _('Snapshot “%s”, %s').split('%s')[0]
    return len([n for n in find_all(root, role='push button')
                if (n.name or '').startswith(head)])


def window_of(node):
    while node.parent is not None and node.getRoleName() not in ('frame', 'dialog', 'window'):
        node = node.parent
    return node


def dialog_button(dialog, label):
    found = ui.buttons(dialog, label)
    if not found:
        raise TestFailure('no %r button in %r' % (ui.strip_mnemonic(_(label)), dialog.name))
    return found[-1]


def x_window_id(title):
    out = subprocess.run(['xwininfo', '-root', '-tree'], check=True, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        if '"%s"' % title in line:
            return int(line.split()[0], 16)
    raise TestFailure('no X window titled %r' % title)


def extents(node):
    return node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)


def open_history(app, machine):
    tile = ui.tile_named(app, machine)
    click(tile)
    press('h', modifiers=(CONTROL_L,))
    title = _('History of “%s”') % machine
    frame = wait_for('the history window of %s' % machine,
                     lambda: [f for f in find_all(app, role='frame') if f.name == title])
    # Without a window manager, keyboard focus follows the pointer.
    x, y = ui.center(frame[0])
    pyatspi.Registry.generateMouseEvent(x, y, pyatspi.MOUSE_ABS)
    return title, frame[0]


def scenario(app, tag):
    wait_for('the machines', lambda: {'family', 'blank'} <= set(ui.machine_tiles(app)))
    title, window = open_history(app, 'family')
    log('Ctrl+H opened ' + title)

    cards = wait_for('all snapshots as cards',
                     lambda: (lambda c: c if set(TITLES) <= set(c) else None)(
                         snapshot_cards(window)))
    log('every snapshot is reachable by name: %s' % sorted(cards))
    if current_title(window) != FIRST_CURRENT:
        raise TestFailure('current snapshot is %r, expected %r'
                          % (current_title(window), FIRST_CURRENT))
    here = find_all(window, role='label', name=_('You are here'))
    if not here:
        raise TestFailure('no "You are here" marker')
    log('"%s" is current and marked' % FIRST_CURRENT)

    # The fork: "Experiment" branches off "Fresh install", so in the horizontal
    # layout it sits on another branch (lower) than "Homework", later in time.
    homework = extents(cards['Homework 作业'][0])
    experiment = extents(cards['Experiment <&>'][0])
    fresh = extents(cards['Fresh install'][0])
    if not (experiment.y > homework.y and experiment.x > homework.x and
            homework.y == fresh.y and homework.x > fresh.x):
        raise TestFailure('no fork drawn: fresh %r, homework %r, experiment %r'
                          % ((fresh.x, fresh.y), (homework.x, homework.y),
                             (experiment.x, experiment.y)))
    log('the fork is laid out on its own branch')
    screenshot(tag + '-timeline')

    # Escape closes the history; Ctrl+H opens it again.
    press('Escape')
    wait_for('the history window to close',
             lambda: not [f for f in find_all(app, role='frame') if f.name == title])
    title, window = open_history(app, 'family')
    cards = wait_for('the cards again',
                     lambda: (lambda c: c if set(TITLES) <= set(c) else None)(
                         snapshot_cards(window)))
    log('Escape closed the history window, and Ctrl+H opened it again')

    # Select with the mouse, then move with the keyboard along the branch.
    click(cards[TARGET][0])
    wait_for('the details of ' + TARGET, lambda: details_title(window, TARGET))
    press('Left')
    wait_for('the details of the parent', lambda: details_title(window, 'Homework 作业'))
    press('Down')
    wait_for('the details across the fork', lambda: details_title(window, 'Experiment <&>'))
    press('Up')
    wait_for('the details of ' + TARGET + ' again', lambda: details_title(window, TARGET))
    log('arrow keys move along and across branches, and the details follow')
    screenshot(tag + '-selected')

    # Go back, with a snapshot of now taken first.
    go_back = wait_for('the Go Back Here button', lambda: ui.buttons(window, '_Go Back Here'))
    do_action(go_back[0])
    heading = _('Go Back to “%s”?') % TARGET
    wait_for('the confirmation', lambda: find_all(app, name=heading))
    check = wait_for('the snapshot-first check', lambda: [
        c for c in find_all(app, role='check box')
        if c.name.replace('_', '') == ui.strip_mnemonic(_('_Take a snapshot of now first'))])
    if not check[0].getState().contains(pyatspi.STATE_CHECKED):
        raise TestFailure('"take a snapshot of now first" is not checked by default')
    screenshot(tag + '-revert-dialog')
    # Tell the dialog's response from the "Go Back Here" button.
    response = wait_for('the Go Back response',
                        lambda: ui.buttons(app, '_Go Back', unless='_Go Back Here'))
    do_action(response[0])

    safety = _('Before going back to “%s”') % TARGET
    extra_titles.append(safety)
    wait_for('"current" to move to ' + TARGET, lambda: current_title(window) == TARGET)
    wait_for('the snapshot of before going back', lambda: safety in snapshot_cards(window))
    log('went back: "%s" is current, and "%s" was taken first' % (TARGET, safety))
    screenshot(tag + '-reverted')

    # Rename the current snapshot.
    rename = wait_for('the Rename button', lambda: find_all(window, role='push button',
                                                            name=_('Rename')))
    do_action(rename[0])
    entry = wait_for('the title entry', lambda: [
        n for n in find_all(app, name=_('Snapshot title')) if n.getRoleName() != 'label'])
    entry[0].queryEditableText().setTextContents(RENAMED)
    screenshot(tag + '-rename')
    do_action(dialog_button(window_of(entry[0]), '_Save'))
    extra_titles.append(RENAMED)
    wait_for('the renamed card', lambda: RENAMED in snapshot_cards(window))
    log('renamed the snapshot')
    TITLES.remove(TARGET)

    # Sandbox mode for the current snapshot: its tile in the main window says so.
    switch = wait_for('the sandbox switch', lambda: [
        n for n in find_all(window)
        if n.getRoleName() in ('toggle button', 'switch', 'check box') and
        (n.name or '').startswith(_('Sandbox Mode'))])
    click(switch[0])
    wait_for('the sandbox badge on the tile', lambda: [
        n for n in find_all(app, role='label', name=_('Sandbox'))
        if window_of(n).name != title])
    log('sandbox mode switched on; the tile shows the badge')
    screenshot(tag + '-sandbox')
    click(switch[0])
    wait_for('the sandbox badge to go', lambda: not find_all(app, role='label',
                                                            name=_('Sandbox')))
    log('sandbox mode switched off again')

    # Take a snapshot with the suggested title, then delete it.
    before = count_cards(window)
    take = wait_for('the Take Snapshot button', lambda: find_all(
        window, role='push button', name=_('Take Snapshot')))
    do_action(take[0])
    dialog = window_of(wait_for('the Take Snapshot dialog', lambda: [
        n for n in find_all(app, name=_('Snapshot title'))])[0])
    screenshot(tag + '-take')
    do_action(dialog_button(dialog, '_Take Snapshot'))
    wait_for('a new card', lambda: count_cards(window) == before + 1)
    log('Take Snapshot added a card')

    delete = wait_for('the Delete button', lambda: find_all(window, role='push button',
                                                            name=_('Delete')))
    do_action(delete[0])
    heading = wait_for('the delete confirmation', lambda: [
        n for n in find_all(app) if (n.name or '').startswith(_('Delete “%s”?').split('%s')[0])
        and n.getRoleName() != 'push button'])
    do_action(dialog_button(window_of(heading[0]), '_Delete'))
    wait_for('the card to go', lambda: count_cards(window) == before)
    wait_for('the current snapshot to be selected again',
             lambda: details_title(window, RENAMED))
    log('Delete removed it again, and the current snapshot is selected')

    # Automatic snapshots, every day, from the header bar's popover. The machine
    # runs, so the first scheduled snapshot is taken at once.
    before = count_cards(window)
    schedule = wait_for('the Automatic Snapshots button', lambda: [
        n for n in find_all(window) if n.name == _('Automatic Snapshots') and
        n.getRoleName() in ('toggle button', 'push button')])
    click(schedule[0])
    row = wait_for('the schedule row', lambda: [
        n for n in find_all(app) if (n.name or '').startswith(_('Take a Snapshot')) and
        n.getRoleName() != 'label'])
    screenshot(tag + '-schedule')
    # Popovers are surfaces of their own, where pointer coordinates from the
    # accessibility tree do not hold: choose with the keyboard, as many do.
    if not row[0].getState().contains(pyatspi.STATE_FOCUSED):
        press('Tab')
    press('Return')
    daily = C_('snapshot schedule', 'Every Day')
    wait_for('the list of choices', lambda: [
        n for n in find_all(app, role='label', name=daily)])
    press('Down')
    press('Down')
    press('Return')
    wait_for('the scheduled snapshot', lambda: count_cards(window) == before + 1)
    scheduled = _('Scheduled Snapshot')
    extra_titles.append(scheduled)
    wait_for('its card, titled as scheduled', lambda: scheduled in snapshot_cards(window))
    log('every day: the first scheduled snapshot was taken at once')
    wait_for('the popover to show the choice', lambda: [
        n for n in find_all(app, role='label', name=daily)])
    screenshot(tag + '-schedule-daily')
    # Escape closes the popover (only), and the history window stays.
    press('Escape')
    wait_for('the popover to close', lambda: not [
        n for n in find_all(app, role='label', name=_('Automatic Snapshots'))])
    if not [f for f in find_all(app, role='frame') if f.name == title]:
        raise TestFailure('Escape closed the history window, not the popover')

    # A narrow window turns the time axis vertical.
    ui.resize_x_window(x_window_id(title), 420, 760)

    def vertical():
        c = snapshot_cards(window)
        a, b = extents(c['Fresh install'][0]), extents(c['Homework 作业'][0])
        return b.y > a.y and b.x == a.x
    wait_for('the vertical layout', vertical)
    log('a narrow window lays the timeline out vertically')
    screenshot(tag + '-narrow')
    # The title bar's Close button is named by GTK's own catalogue.
    close_name = gettext.translation('gtk40', fallback=True).gettext('Close')
    close = wait_for('the Close button', lambda: find_all(window, role='push button',
                                                          name=close_name))
    do_action(close[0])
    wait_for('the history window to close',
             lambda: not [f for f in find_all(app, role='frame') if f.name == title])

    # A machine without snapshots offers to take one.
    title, window = open_history(app, 'blank')
    wait_for('the empty state', lambda: find_all(window, role='label',
                                                 name=_('No Snapshots Yet')))
    log('a machine without snapshots says so')
    screenshot(tag + '-empty')
    close_name = gettext.translation('gtk40', fallback=True).gettext('Close')
    do_action(find_all(window, role='push button', name=close_name)[0])
    wait_for('the history window to close',
             lambda: not [f for f in find_all(app, role='frame') if f.name == title])

    # A machine that cannot have snapshots: the error shows in place.
    title, window = open_history(app, 'raw')
    take = wait_for('the Take Snapshot button', lambda: ui.buttons(window, '_Take Snapshot'))
    do_action(take[0])
    entry = wait_for('the Take Snapshot dialog', lambda: [
        n for n in find_all(app, name=_('Snapshot title')) if n.getRoleName() != 'label'])
    do_action(dialog_button(window_of(entry[0]), '_Take Snapshot'))
    wait_for('the error in place', lambda: find_all(window, role='label',
                                                    name=_('Could Not Take a Snapshot')))
    log('a raw disk: the error says so in the window')
    screenshot(tag + '-error')


if __name__ == '__main__':
    sys.exit(ui.run_on_fixture(scenario, ARTIFACTS))
