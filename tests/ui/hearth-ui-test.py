#!/usr/bin/python3
# hearth-ui-test.py  SPDX-License-Identifier: GPL-3.0-or-later
#
# Drives a real Hearth window through the accessibility tree, as a screen
# reader or another assistive tool would see it, and saves screenshots.
# Run by run-ui-test.sh inside its own D-Bus session and X server; it needs
# Debian's /usr/bin/python3 for pyatspi.
#
# Usage: hearth-ui-test.py SCENARIO HEARTH [FIXTURE]
#   SCENARIO: main (fixture with odd names; action, search, list view, delete),
#             smoke (test:///default and "hearth MACHINE"), empty (a connection
#             without machines, Create a Machine, preferences), error (an
#             unreachable connection)

import ctypes
import gettext
import os
import subprocess
import sys
import time

import pyatspi

TIMEOUT = 30.0  # seconds any one expectation may take; a failure, not a measurement

CONTROL_L = 37  # X keycodes on Xvfb's default keymap
SHIFT_L = 50
ALT_L = 64


class TestFailure(Exception):
    pass


def log(message):
    print('# ' + message, flush=True)


# Translations: the catalogue Hearth itself uses, so checks work in any language.
_catalog = gettext.NullTranslations()


def load_catalog():
    global _catalog
    localedir = os.environ.get('HEARTH_LOCALEDIR')
    if localedir:
        _catalog = gettext.translation('hearth', localedir, fallback=True)


def _(text):
    return _catalog.gettext(text)


def C_(context, text):
    return _catalog.pgettext(context, text)


def strip_mnemonic(text):
    return text.replace('_', '')


# --- accessibility helpers -------------------------------------------------

def walk(node, depth=0):
    if node is None or depth > 40:
        return
    yield node
    try:
        children = list(node)
    except Exception:
        return
    for child in children:
        yield from walk(child, depth + 1)


def is_showing(node):
    # GTK 4.8 sets no SHOWING state, and pages of a GtkStack that are not shown
    # stay VISIBLE: what is on screen is what has a size.
    try:
        if not node.getState().contains(pyatspi.STATE_VISIBLE):
            return False
        ext = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        return ext.width > 0 and ext.height > 0
    except Exception:
        return False


def find_app():
    desktop = pyatspi.Registry.getDesktop(0)
    for app in desktop:
        if app is not None and app.name in ('hearth', 'Hearth'):
            return app
    return None


def find_all(root, role=None, name=None, showing=True):
    """Nodes by role and name. Buttons match when their name starts with @name:
    GTK 4.8 appends the label's text to a button's own accessible label."""
    found = []
    for node in walk(root):
        try:
            node_role = node.getRoleName()
            if role is not None and node_role != role:
                continue
            if name is not None and node.name != name and not (
                    node_role == 'push button' and node.name.startswith(name)):
                continue
            if showing and not is_showing(node):
                continue
            found.append(node)
        except Exception:
            continue
    return found


def buttons(root, label, unless=None):
    """Push buttons whose name, mnemonics aside, starts with the translation of
    @label (GTK 4.8 appends a button's label to its name), and not with that of
    @unless: "_Add" but not "_Add Rule"."""
    name = strip_mnemonic(_(label))
    other = strip_mnemonic(_(unless)) if unless else None
    return [b for b in find_all(root, role='push button')
            if b.name.replace('_', '').startswith(name) and
            not (other and b.name.replace('_', '').startswith(other))]


def labels(root):
    return [n.name for n in find_all(root, role='label')]


def text_of(node):
    text = node.queryText()
    return text.getText(0, text.characterCount)


def wait_for(what, predicate, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = predicate()
        except Exception:
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise TestFailure('timed out waiting for ' + what)
        time.sleep(0.2)


def wait_app():
    return wait_for('Hearth on the accessibility bus', find_app)


def machine_tiles(app):
    """Machine tiles and rows: groups named after the machine, described by its state."""
    result = {}
    for node in find_all(app, role='panel'):
        parent = node.parent
        if parent is not None and parent.getRoleName() in ('table cell', 'list item') and node.name:
            result[node.name] = node.description
    return result


def center(node):
    ext = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    return ext.x + ext.width // 2, ext.y + ext.height // 2


def click(node, button=1):
    x, y = center(node)
    pyatspi.Registry.generateMouseEvent(x, y, pyatspi.MOUSE_ABS)
    time.sleep(0.1)
    pyatspi.Registry.generateMouseEvent(x, y, 'b%dc' % button)
    time.sleep(0.3)


def do_action(node, name='click'):
    action = node.queryAction()
    for i in range(action.nActions):
        if action.getName(i) == name:
            action.doAction(i)
            time.sleep(0.3)
            return
    raise TestFailure('%r has no %s action' % (node.name, name))


KEYSYMS = {
    'a': 0x61,
    'comma': 0x2c,
    'f': 0x66,
    'h': 0x68,
    'm': 0x6d,
    'n': 0x6e,
    'p': 0x70,
    'w': 0x77,
    'Delete': 0xffff,
    'Down': 0xff54,
    'End': 0xff57,
    'Escape': 0xff1b,
    'Home': 0xff50,
    'Left': 0xff51,
    'Menu': 0xff67,
    'Return': 0xff0d,
    'Right': 0xff53,
    'Tab': 0xff09,
    'Up': 0xff52,
}


def press(keysym_name, modifiers=()):
    """Presses a key by its keysym name in KEYSYMS, with @modifiers (X keycodes
    such as CONTROL_L) held down."""
    for keycode in modifiers:
        pyatspi.Registry.generateKeyboardEvent(keycode, None, pyatspi.KEY_PRESS)
    pyatspi.Registry.generateKeyboardEvent(KEYSYMS[keysym_name], None, pyatspi.KEY_SYM)
    for keycode in reversed(modifiers):
        pyatspi.Registry.generateKeyboardEvent(keycode, None, pyatspi.KEY_RELEASE)
    time.sleep(0.4)


def type_text(text):
    pyatspi.Registry.generateKeyboardEvent(0, text, pyatspi.KEY_STRING)
    time.sleep(0.3)


# --- screenshots ---------------------------------------------------------------

def screenshot(subdir, name, window=None, settle=0.8):
    """Saves the screen, or the X window @window, as
    $HEARTH_TEST_ARTIFACTS/@subdir/@name.png."""
    directory = os.path.join(os.environ.get('HEARTH_TEST_ARTIFACTS', '.'), subdir)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name + '.png')
    time.sleep(settle)  # let toasts and transitions settle; screenshots are artifacts only
    target = 'root' if window is None else '0x%x' % window
    subprocess.run(['import', '-window', target, path], check=True)
    log('screenshot ' + path)


def resize_x_window(window, width, height):
    """Resizes the X window @window like a window manager would (none runs under
    Xvfb), through Xlib (ctypes: no python3-xlib)."""
    xlib = ctypes.CDLL('libX11.so.6')
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XResizeWindow.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_uint, ctypes.c_uint]
    xlib.XFlush.argtypes = [ctypes.c_void_p]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = xlib.XOpenDisplay(None)
    if not display:
        raise TestFailure('cannot open the X display')
    xlib.XResizeWindow(display, window, width, height)
    xlib.XFlush(display)
    xlib.XCloseDisplay(display)


# --- scenarios -------------------------------------------------------------------

CHINESE_NAME = '学生沙盒 🧪 <&>\'"'

EXPECTED = {
    'Debian Server': 'Running',
    'ubuntu-desktop': 'Paused',
    'windows-11': 'Shut Off',
    'saved-sandbox': 'Saved',
    CHINESE_NAME: 'Running',
    'Made by Another Tool': 'Shut Off',
}


def state(label):
    return C_('machine state', label)


def expect_states(app, expected):
    def ok():
        tiles = machine_tiles(app)
        return all(tiles.get(name) == state(value) for name, value in expected.items())
    try:
        wait_for('machines %s' % sorted(expected), ok)
    except TestFailure:
        raise TestFailure('machines shown: %r' % machine_tiles(app))


def tile_named(app, name):
    for node in find_all(app, role='panel', name=name):
        parent = node.parent
        if parent is not None and parent.getRoleName() in ('table cell', 'list item'):
            return node
    raise TestFailure('no tile or row named %r' % name)


def scenario_main(app, tag):
    expect_states(app, EXPECTED)
    log('all machines shown with their states')
    screenshot('ui', tag + '-grid')

    # Pause through the context menu, as a user would with the mouse.
    tile = tile_named(app, 'Debian Server')
    # GTK 4.8 does not expose popover menus to AT-SPI in a usable way (walking
    # them trips criticals), so the menu is driven with the keyboard: "_Pause"
    # has a mnemonic, which popover menus take without Alt.
    click(tile, button=3)
    screenshot('ui', tag + '-context-menu')
    type_text(strip_mnemonic(_('_Pause'))[_('_Pause').index('_')].lower())
    expect_states(app, {'Debian Server': 'Paused'})
    log('paused through the context menu')

    # Resume with the keyboard shortcut; the paused machine is still selected.
    press('p', modifiers=(CONTROL_L,))
    expect_states(app, {'Debian Server': 'Running'})
    log('resumed with Ctrl+P')

    # Search (Ctrl+F): only matching machines remain.
    press('f', modifiers=(CONTROL_L,))
    entry = wait_for('the search entry', lambda: find_all(app, name=_('Search machines'),
                                                          role='entry'))
    click(entry[0])
    type_text('ubuntu')
    wait_for('search results', lambda: list(machine_tiles(app)) == ['ubuntu-desktop'])
    log('search shows only the match')
    screenshot('ui', tag + '-search')

    type_text('-nothing')
    no_results = _('No Results Found')
    wait_for('the no-results page', lambda: find_all(app, name=no_results, role='label'))
    log('search without results shows the no-results page')
    press('Escape')
    wait_for('all machines again', lambda: len(machine_tiles(app)) == len(EXPECTED))

    # The list view shows the same machines as rows.
    list_button = wait_for('the List button', lambda: find_all(app, role='push button',
                                                               name=_('List')))
    do_action(list_button[0])
    wait_for('rows', lambda: any(n.getRoleName() == 'list item'
                                 for n in find_all(app, role='list item')))
    expect_states(app, {'Debian Server': 'Running', CHINESE_NAME: 'Running',
                        'windows-11': 'Shut Off'})
    log('list view shows the machines')
    screenshot('ui', tag + '-list')

    # The Menu key opens the machine menu on the focused row; Escape closes it.
    click(tile_named(app, 'saved-sandbox'))
    press('Menu')
    screenshot('ui', tag + '-menu-key')
    press('Escape')

    # The delete dialog lists the disk images; cancel it.
    click(tile_named(app, 'windows-11'))
    press('Delete')
    heading = _('Delete “%s”?') % 'windows-11'
    wait_for('the delete dialog', lambda: find_all(app, name=heading))
    wait_for('the disk images', lambda: find_all(app, name='windows-11.qcow2'))
    screenshot('ui', tag + '-delete')
    press('Escape')
    wait_for('the dialog to close', lambda: not find_all(app, name=heading))
    expect_states(app, {'windows-11': 'Shut Off'})
    log('delete dialog shown and cancelled; the machine is still there')

    # Delete for real, then Undo from the toast: the machine comes back.
    name = 'Made by Another Tool'
    click(tile_named(app, name))
    press('Delete')
    heading = _('Delete “%s”?') % name
    wait_for('the delete dialog', lambda: find_all(app, name=heading))
    delete_button = wait_for('the Delete response', lambda: buttons(app, '_Delete'))
    do_action(delete_button[0])
    wait_for('the machine to go', lambda: name not in machine_tiles(app))
    undo = wait_for('the Undo button', lambda: buttons(app, '_Undo'))
    screenshot('ui', tag + '-deleted')
    do_action(undo[0])
    expect_states(app, {name: 'Shut Off'})
    log('deleted, and Undo brought the machine back')


def scenario_smoke(app, tag):
    expect_states(app, {'test': 'Running'})
    log('test:///default shows its machine')
    # Started as "hearth --connect test:///default test": the machine is selected.
    cell = tile_named(app, 'test').parent
    wait_for('the machine named on the command line to be selected',
             lambda: cell.getState().contains(pyatspi.STATE_SELECTED))
    log('"hearth MACHINE" selects the machine')
    screenshot('ui', tag)


def scenario_empty(app, tag):
    title = _('No Machines Yet')
    wait_for('the empty page', lambda: find_all(app, role='label', name=title))
    create = wait_for('the Create a Machine button',
                      lambda: buttons(app, '_Create a Machine'))
    log('no machines: the empty page offers to create one')
    screenshot('ui', tag)
    # The button opens the creation wizard (tests/ui/test-wizard.py walks it);
    # Escape closes it again.
    do_action(create[-1])
    heading = _('New Machine')
    wait_for('the wizard', lambda: find_all(app, role='frame', name=heading))
    screenshot('ui', tag + '-create')
    press('Escape')
    wait_for('the wizard to close', lambda: not find_all(app, role='frame', name=heading))
    log('Create a Machine opens the wizard')

    # Preferences: Ctrl+comma opens them, with the connection row.
    press('comma', modifiers=(CONTROL_L,))
    wait_for('the preferences', lambda: find_all(app, name=_('Default Connection')))
    screenshot('ui', tag + '-preferences')
    log('preferences open with Ctrl+comma')


def scenario_error(app, tag):
    retry_name = strip_mnemonic(_('_Retry'))
    retry = wait_for('the Retry button', lambda: find_all(app, role='push button',
                                                          name=retry_name))
    title = _('Could Not Connect')
    if not find_all(app, role='label', name=title):
        raise TestFailure('error page without its title; labels: %r' % labels(app))
    log('the error page says what is wrong and offers Retry')
    screenshot('ui', tag)
    do_action(retry[0])
    wait_for('the error page after Retry', lambda: find_all(app, role='push button',
                                                            name=retry_name))
    log('Retry tries again and keeps the error page')


def dump_tree(app):
    """Prints every node under @app: HEARTH_TEST_DUMP=1 helps find the role and
    name a check should look for."""
    for node in walk(app):
        try:
            print('# %s %r %r' % (node.getRoleName(), node.name, is_showing(node)))
        except Exception:
            pass


def run(hearth, uri, scenario, tag, artifacts_subdir, extra_args=()):
    """Starts @hearth on @uri, runs scenario(app, tag) on its accessibility tree
    and stops it again. A failure is printed with a screenshot in
    @artifacts_subdir. Returns the exit status: 0 when the scenario passed."""
    log('starting %s --connect %s' % (hearth, uri))
    # HEARTH_TEST_LAUNCHER="gdb -batch -ex run -ex bt --args" helps debugging.
    launcher = os.environ.get('HEARTH_TEST_LAUNCHER', '').split()
    command = launcher + [hearth, '--connect', uri] + list(extra_args)
    # A critical in Hearth is a bug: make it fail the test loudly.
    os.environ['G_DEBUG'] = 'gc-friendly,fatal-criticals'
    process = subprocess.Popen(command)
    app = None
    try:
        app = wait_for('Hearth on the accessibility bus',
                       lambda: process.poll() is not None or find_app())
        if process.poll() is not None:
            # A fresh Xvfb sometimes refuses its very first client; one more try
            # tells that apart from Hearth failing to start.
            log('Hearth exited with status %d at start; starting it again' % process.returncode)
            process = subprocess.Popen(command)
            app = wait_app()
        # Without a window manager, keyboard focus follows the pointer.
        frame = wait_for('the main window', lambda: find_all(app, role='frame'))
        x, y = center(frame[0])
        pyatspi.Registry.generateMouseEvent(x, y, pyatspi.MOUSE_ABS)
        scenario(app, tag)
        if process.poll() is not None:
            raise TestFailure('Hearth exited with status %d' % process.returncode)
    except TestFailure as e:
        if os.environ.get('HEARTH_TEST_DUMP'):
            dump_tree(app)
        screenshot(artifacts_subdir, tag + '-failure')
        print('FAIL: %s' % e, flush=True)
        if process.poll() is not None:
            print('FAIL: Hearth exited with status %d' % process.returncode, flush=True)
        return 1
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
    print('PASS', flush=True)
    return 0


def run_on_fixture(scenario, artifacts_subdir, default_tag='en'):
    """The main() of a test script taking HEARTH FIXTURE: runs @scenario on
    the test driver with that fixture."""
    hearth, fixture = sys.argv[1], sys.argv[2]
    load_catalog()
    uri = 'test://' + os.path.abspath(fixture)
    return run(hearth, uri, scenario, os.environ.get('HEARTH_UI_TAG', default_tag),
               artifacts_subdir)


def main():
    scenario, hearth = sys.argv[1], sys.argv[2]
    fixture = sys.argv[3] if len(sys.argv) > 3 else None
    tag = os.environ.get('HEARTH_UI_TAG', scenario)

    load_catalog()
    if scenario == 'main':
        uri = 'test://' + os.path.abspath(fixture)
    elif scenario == 'smoke':
        uri = 'test:///default'
    elif scenario == 'empty':
        uri = 'test://' + os.path.abspath(fixture)
    elif scenario == 'error':
        uri = 'test:///nonexistent/hearth-ui-test.xml'
    else:
        raise SystemExit('unknown scenario ' + scenario)

    extra = ['test'] if scenario == 'smoke' else []
    run_scenario = {'main': scenario_main, 'smoke': scenario_smoke, 'empty': scenario_empty,
                    'error': scenario_error}[scenario]
    return run(hearth, uri, run_scenario, tag, 'ui', extra)


if __name__ == '__main__':
    sys.exit(main())
