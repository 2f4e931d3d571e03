#!/usr/bin/python3
# test-dashboard.py  SPDX-License-Identifier: GPL-3.0-or-later
#
# The resource dashboard, driven through the accessibility tree as a user
# would: open it with Ctrl+M, find the host charts by name and their
# "now, minimum, maximum" descriptions, the headroom rows and the busiest
# machines; change the time range; on the Alerts page, find the default rule
# (CPU above 90 % for 30 seconds), add a rule through the dialog and remove
# it again. On the test driver the figures are unknown ("—"), so the test
# checks that the dashboard says so rather than showing numbers it does not
# have. Screenshots go to $HEARTH_TEST_ARTIFACTS/dashboard/.
#
# Run by run-ui-test.sh (HEARTH_UI_SCRIPT) inside its own D-Bus session and X server.
# Usage: test-dashboard.py HEARTH FIXTURE
#   FIXTURE "embed:" runs Hearth on a private qemu:///embed root instead,
#   where the host's figures are real (scenario_live): the host charts fill,
#   and a host rule added through the dialog (CPU above 0 % for 1 second)
#   fires and is listed.

import functools
import importlib
import os
import socket
import urllib.request
import shutil
import sys
import tempfile
import time

import pyatspi

ui = importlib.import_module('hearth-ui-test')  # the shared helpers, next to this file
_, TestFailure, find_all, log, wait_for = ui._, ui.TestFailure, ui.find_all, ui.log, ui.wait_for
do_action, click = ui.do_action, ui.click
press, CONTROL_L, labels, text_of = ui.press, ui.CONTROL_L, ui.labels, ui.text_of
buttons = ui.buttons

ARTIFACTS = 'dashboard'  # the screenshots' folder under $HEARTH_TEST_ARTIFACTS

# The running and paused machines of tests/ui/data/machines.xml.
ACTIVE = ['Debian Server', 'ubuntu-desktop', '学生沙盒 🧪 <&>\'"']


def screenshot(name):
    ui.screenshot(ARTIFACTS, name, settle=1.0)



def rule_rows(root):
    """Rule rows by title (list items whose name is a rule's text)."""
    return [n.name for n in find_all(root, role='list item')]


def dashboard(app):
    # The toplevel is a "frame" or, depending on the GTK version, a "filler".
    return [w for w in app if w is not None and w.name == _('Resource Dashboard')]


def open_dashboard(app):
    press('m', modifiers=(CONTROL_L,))
    window = wait_for('the dashboard window', lambda: dashboard(app))[0]
    x, y = ui.center(window)
    pyatspi.Registry.generateMouseEvent(x, y, pyatspi.MOUSE_ABS)
    return window


def stored(key):
    """A key as Hearth's settings hold it (the keyfile backend main() picks)."""
    path = os.path.join(os.environ['XDG_CONFIG_HOME'], 'glib-2.0', 'settings', 'keyfile')
    try:
        with open(path, encoding='utf-8') as f:
            for line in f:
                if line.startswith(key + '='):
                    return line[len(key) + 1:].strip()
    except FileNotFoundError:
        pass
    return ''


def scroll_into_view(window, node, limit=40):
    top = window.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    for _i in range(limit):
        ext = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        if ext.y >= top.y + 60 and ext.y + ext.height <= top.y + top.height - 10:
            return
        x, y = ui.center(window)
        pyatspi.Registry.generateMouseEvent(x, y, pyatspi.MOUSE_ABS)
        pyatspi.Registry.generateMouseEvent(x, y, 'b5c' if ext.y > top.y else 'b4c')
        time.sleep(0.15)
    raise TestFailure('could not scroll to %r' % node.name)


def replace_focused_text(text):
    press('a', modifiers=(CONTROL_L,))
    ui.type_text(text)


def named(root, name, roles):
    # GTK 4.8 may append a labelling widget's text to a control's name.
    return [n for n in find_all(root) if n.getRoleName() in roles and
            (n.name == name or n.name.startswith(name + ' '))]


SWITCH_ROLES = ('switch', 'toggle button', 'check box')


def tab_named(window, title):
    return [n for n in find_all(window) if n.name == title and
            n.getRoleName() in ('toggle button', 'push button', 'radio button', 'page tab')]


def scenario_machine_page(app, dashboard_window, tag):
    """A busy machine's row opens its own page: four charts with a range
    switcher, its idle opt-in and its limits, where a bad value is refused in
    place with the reason and a good one is applied."""
    name = 'Debian Server'
    row = wait_for('the Debian Server row', lambda: [
        n for n in find_all(dashboard_window, role='list item') if n.name == name])
    # The list is below the fold: scroll to it with the mouse wheel.
    scroll_into_view(dashboard_window, row[0])
    click(row[0])
    page = wait_for('the machine page', lambda: [w for w in app if w is not None and w.name == name])[0]
    log('the top consumers row opened the page of ' + name)

    titles = [_('CPU'), _('Memory'), _('Disk'), _('Network')]
    chart_names = [_('%s of %s') % (t, name) for t in titles]
    charts = wait_for('the four charts', lambda: (lambda c: c if len(c) == 4 else None)(
        [n for n in find_all(page, role='image') if n.name in chart_names]))
    none = _('No figures yet')
    minute = _('over the last minute')
    wait_for('chart summaries', lambda: all(
        c.description == none or c.description.endswith(minute) for c in charts))

    # The range switcher: every chart follows it.
    ten = named(page, _('10 min'), ('toggle button', 'push button'))
    if not ten:
        raise TestFailure('no "10 min" range button')
    click(ten[0])
    wait_for('"10 min" chosen', lambda: ten[0].getState().contains(pyatspi.STATE_CHECKED) or
             ten[0].getState().contains(pyatspi.STATE_PRESSED))
    phrase = _('over the last 10 minutes')
    wait_for('charts over 10 minutes', lambda: all(
        c.description == none or c.description.endswith(phrase) for c in charts))
    day = named(page, _('24 h'), ('toggle button', 'push button'))
    click(day[0])
    phrase = _('over the last 24 hours')
    wait_for('charts over 24 hours', lambda: all(
        c.description == none or c.description.endswith(phrase) for c in charts))
    log('ranges switched: %s' % [c.description for c in charts])
    screenshot(tag + '-machine-charts')

    # The test driver reports no CPU time for machines: the idle state says so.
    wait_for('the idle state', lambda: find_all(page, role='label',
                                                name=_('Its CPU use is not known yet')))
    idle = wait_for('the idle switch', lambda: [
        n for n in named(page, _('Suspend When Idle'), SWITCH_ROLES)
        if n.getState().contains(pyatspi.STATE_SENSITIVE)])[0]
    scroll_into_view(page, idle)
    click(idle)
    wait_for('the idle opt-in stored', lambda: idle.getState().contains(pyatspi.STATE_CHECKED))
    log('suspend when idle turned on')
    screenshot(tag + '-machine')

    # Limits: read from the hypervisor first, then a disk weight of 5 is
    # refused in place with the reason, and 500 is applied.
    weight = wait_for('the disk weight field', lambda: [
        n for n in find_all(page, role='text', name=_('Disk Weight'))
        if n.getState().contains(pyatspi.STATE_SENSITIVE)])[0]
    scroll_into_view(page, weight)
    click(weight)
    replace_focused_text('5')
    press('Return')
    refusal = _('The disk weight must be between 100 and 1000.')
    wait_for('the refusal', lambda: find_all(page, role='label', name=refusal))
    if text_of(weight) != '5':
        raise TestFailure('the refused value was lost: %r' % text_of(weight))
    log('refused: ' + refusal)
    screenshot(tag + '-limit-refused')

    replace_focused_text('500')
    press('Return')
    group = _('Disk weight')
    outcomes = [_('%s: applies now.') % group, _('%s: applies on the next start.') % group]
    found = wait_for('the outcome', lambda: [
        n.name for n in find_all(page, role='label') if any(o in n.name for o in outcomes)])
    log('applied: %r' % found)
    wait_for('the value read back', lambda: text_of(weight) == '500')
    screenshot(tag + '-limit-applied')

    press('w', modifiers=(CONTROL_L,))
    wait_for('the machine page to close', lambda: not [
        w for w in app if w is not None and w.name == name])


def scenario_metrics(app, tag, uri):
    """Preferences ▸ Resources turns the Prometheus endpoint on: a port
    another program holds is refused with the reason, a free one serves the
    Prometheus text format on 127.0.0.1, and turning it off closes it."""
    press('comma', modifiers=(CONTROL_L,))
    prefs = wait_for('the preferences', lambda: [
        w for w in app if w is not None and tab_named(w, _('Resources'))])[0]
    click(tab_named(prefs, _('Resources'))[0])
    port_spin = wait_for('the port', lambda: named(prefs, _('Metrics Port'), ('spin button',)))[0]
    switch = wait_for('the export switch', lambda: named(prefs, _('Export Metrics'),
                                                          SWITCH_ROLES))[0]
    address = _('Address')
    if switch.getState().contains(pyatspi.STATE_CHECKED):
        raise TestFailure('the metrics export is on by default')

    taken = socket.socket()
    taken.bind(('127.0.0.1', 0))
    taken.listen(1)
    busy_port = taken.getsockname()[1]
    free = socket.socket()
    free.bind(('127.0.0.1', 0))
    free_port = free.getsockname()[1]
    free.close()

    def set_port(port):
        click(port_spin)
        replace_focused_text(str(port))
        press('Return')

    set_port(busy_port)
    click(switch)
    wait_for('the switch on', lambda: switch.getState().contains(pyatspi.STATE_CHECKED))
    busy = _('Port %u cannot be used (another program may have it); choose another one') % busy_port
    wait_for('the refusal of a taken port', lambda: find_all(prefs, role='label', name=busy))
    log('refused: ' + busy)
    screenshot(tag + '-metrics-busy')
    taken.close()

    set_port(free_port)
    url = 'http://127.0.0.1:%d/metrics' % free_port
    wait_for('the address', lambda: find_all(prefs, role='label', name=url))
    if stored('metrics-export') != 'true' or \
            stored('metrics-port') not in (str(free_port), 'uint16 %d' % free_port):
        raise TestFailure('settings hold %r, %r' % (stored('metrics-export'),
                                                   stored('metrics-port')))
    with urllib.request.urlopen(url, timeout=10) as response:
        body = response.read().decode('utf-8')
        kind = response.headers.get('Content-Type', '')
    if not kind.startswith('text/plain') or 'version=0.0.4' not in kind:
        raise TestFailure('metrics served as %r' % kind)
    types = [l for l in body.splitlines() if l.startswith('# TYPE hearth_')]
    # The test driver's host has 16 GiB, as the dashboard says; its machines
    # report no figures, so they have no samples.
    memory = 'hearth_host_memory_total_bytes{connection="%s"} 17179869184' % uri
    if not types or memory not in body.splitlines():
        raise TestFailure('not the Prometheus text of this host: %r' % body[:600])
    log('%s serves %d metric families' % (url, len(types)))
    screenshot(tag + '-metrics')

    click(switch)
    wait_for('the address gone', lambda: find_all(prefs, role='label', name=_('Off')))
    try:
        urllib.request.urlopen(url, timeout=5)
        raise TestFailure('the endpoint still answers once turned off')
    except OSError:
        pass
    log('turned off, %s no longer answers' % url)
    press('Escape')


def scenario_live(app, tag, uri):
    """qemu:///embed without machines: the host's own figures are real, so
    the CPU and memory charts fill up and describe what they show."""
    time.sleep(2)  # the main window settles before the shortcut
    window = open_dashboard(app)
    log('Ctrl+M opened the dashboard')
    names = [_('Host %s chart') % _(t) for t in ('CPU', 'Memory')]
    minute = _('over the last minute')
    charts = wait_for('host CPU and memory figures', lambda: (lambda c: c if len(c) == 2 and all(
        n.description.endswith(minute) for n in c) else None)(
        [n for n in find_all(window, role='image') if n.name in names]))
    log('host charts: %s' % [(c.name, c.description) for c in charts])
    # Some seconds of history, so the lines have a shape.
    time.sleep(8)
    screenshot(tag + '-live')

    # The range selector: 10 minutes comes after 1 minute, and every chart
    # then summarises that span.
    ranges = wait_for('the range selector', lambda: [
        n for n in find_all(window) if n.name == _('Time Range')])
    click(ranges[0])
    time.sleep(0.5)
    press('Down')
    press('Return')
    ten = _('over the last 10 minutes')
    wait_for('charts over 10 minutes', lambda: (lambda c: len(c) == 2 and all(
        n.description.endswith(ten) for n in c))(
        [n for n in find_all(window, role='image') if n.name in names]))
    log('the range selector changes what the charts show')

    # A rule that holds on any live host (CPU above 0 % for 1 second) fires:
    # it is added through the dialog, watching the host.
    alerts_tab = wait_for('the Alerts tab', lambda: [
        n for n in find_all(window) if n.name == _('Alerts') and
        n.getRoleName() in ('toggle button', 'push button', 'radio button', 'page tab')])
    click(alerts_tab[0])
    do_action(wait_for('the Add Rule button', lambda: buttons(window, '_Add Rule'))[0])
    wait_for('the rule dialog', lambda: find_all(app, name=_('Add Rule')))
    spins = wait_for('the limit and duration', lambda: (lambda n: n if len(n) == 2 else None)(
        find_all(app, role='spin button')))
    for spin, value in zip(spins, ('0', '1')):
        click(spin)
        press('a', modifiers=(CONTROL_L,))
        ui.type_text(value)
    combos = [c for c in find_all(app, role='combo box')
              if c.name == ui.strip_mnemonic(_('_Watch'))]
    if not combos:
        raise TestFailure('no Watch selector: %r' % [c.name for c in find_all(app, role='combo box')])
    # The list opens on "Any machine"; "The host" comes next.
    click(combos[0])
    time.sleep(0.5)
    press('Down')
    press('Return')
    wait_for('"The host" chosen', lambda: [
        n for n in find_all(combos[0]) if n.name == _('The host')])
    screenshot(tag + '-host-rule')
    do_action(wait_for('the Add response',
                       lambda: buttons(app, '_Add', unless='_Add Rule'))[0])

    rule = _('%s above %s for %s') % (
        _('CPU'), _('%.0f %%') % 0, ui._catalog.ngettext('%u second', '%u seconds', 1) % 1)
    fired = _('%s: %s') % (_('The host'), rule)
    wait_for('the alert to fire', lambda: fired in rule_rows(window))
    log('fired: ' + fired)
    screenshot(tag + '-fired')


def scenario(app, tag, uri):
    wait_for('the machines', lambda: set(ACTIVE) <= set(ui.machine_tiles(app)))
    press('m', modifiers=(CONTROL_L,))
    title = _('Resource Dashboard')
    window = wait_for('the dashboard window', lambda: dashboard(app))[0]
    x, y = ui.center(window)
    pyatspi.Registry.generateMouseEvent(x, y, pyatspi.MOUSE_ABS)
    log('Ctrl+M opened the dashboard')

    # The host charts, by accessible name, each described for screen readers.
    names = [_('Host %s chart') % _(t) for t in ('CPU', 'Memory', 'Disk', 'Network')]
    charts = wait_for('the host charts', lambda: (lambda c: c if len(c) == 4 else None)(
        [n for n in find_all(window, role='image') if n.name in names]))
    # The sampler ticks: after the first figures, every chart has a summary
    # for its range, or says that there are none (the test driver's host
    # reports no CPU time and no free memory).
    minute = _('over the last minute')
    none = _('No figures yet')
    wait_for('chart descriptions', lambda: all(
        c.description == none or c.description.endswith(minute) for c in charts))
    log('host charts: %s' % [(c.name, c.description) for c in charts])

    # The busiest machines: every running or paused machine of the fixture,
    # with its own small chart, and figures shown as "—" as the test driver
    # has none.
    try:
        wait_for('the top consumers', lambda: set(ACTIVE) <= set(rule_rows(window)))
    except TestFailure:
        for n in ui.walk(window):
            if n.getRoleName() in ('list item', 'list', 'image', 'label'):
                log('%s %r %r' % (n.getRoleName(), n.name, n.description))
        raise
    small = [_('CPU of %s') % name for name in ACTIVE]
    wait_for('their small charts', lambda: set(small) <= {
        n.name for n in find_all(window, role='image')})
    if 'windows-11' in rule_rows(window):
        raise TestFailure('a shut-off machine is listed among the top consumers')
    log('top consumers: %s' % sorted(set(ACTIVE)))
    scenario_machine_page(app, window, tag)
    x, y = ui.center(window)
    pyatspi.Registry.generateMouseEvent(x, y, pyatspi.MOUSE_ABS)

    # The golden-ratio headroom has numbers and a verdict once the host is
    # probed: the fixture's running and paused machines commit 8 vCPUs and
    # 14 GiB, more than 61.8 % of the test driver's host.
    verdict = _('Over the budget: the host may get slow')
    rows = wait_for('the headroom verdicts', lambda: (lambda r: r if len(r) == 2 else None)(
        [n.name for n in find_all(window, role='label') if n.name.endswith(' — ' + verdict)]))
    # "8 of 4.9 vCPUs (8 threads)": the part before the budget is fixed.
    if not rows[0].startswith(_('%u of %.1f vCPUs (%u threads)').split('%.1f')[0] % 8):
        raise TestFailure('vCPU headroom reads %r' % rows[0])
    log('headroom shown: %s' % rows)
    screenshot(tag + '-overview')

    # A longer range changes what the charts summarise.
    dropdown = wait_for('the range selector', lambda: [
        n for n in find_all(window) if n.name == _('Time Range')])
    log('range selector found: %s' % dropdown[0].getRoleName())

    # The Alerts page.
    alerts_tab = wait_for('the Alerts tab', lambda: [
        n for n in find_all(window) if n.name == _('Alerts') and
        n.getRoleName() in ('toggle button', 'push button', 'radio button', 'page tab')])
    click(alerts_tab[0])
    default_rule = _('%s above %s for %s') % (
        _('CPU'), _('%.0f %%') % 90, ui._catalog.ngettext('%u second', '%u seconds', 30) % 30)
    wait_for('the default rule', lambda: default_rule in rule_rows(window))
    wait_for('no fired alert', lambda: find_all(window, role='label',
                                                 name=_('No alert has fired')))
    log('the default rule is listed: ' + default_rule)
    screenshot(tag + '-alerts')

    # Add a rule through the dialog with its defaults (CPU above 90 %, 30 s,
    # any machine): the list then has it twice, and it is stored.
    add = wait_for('the Add Rule button', lambda: buttons(window, '_Add Rule'))
    do_action(add[0])
    wait_for('the rule dialog', lambda: find_all(app, name=_('Add Rule')))
    screenshot(tag + '-rule-dialog')
    # Tell the response from the Add Rule button.
    confirm = wait_for('the Add response', lambda: buttons(app, '_Add', unless='_Add Rule'))
    do_action(confirm[0])
    wait_for('two rules', lambda: rule_rows(window).count(default_rule) == 2)
    log('a rule was added')

    remove_name = _('Remove “%s”') % default_rule
    removes = wait_for('the remove buttons', lambda: (lambda b: b if len(b) == 2 else None)(
        [b for b in find_all(window, role='push button') if b.name.startswith(remove_name)]))
    do_action(removes[1])
    wait_for('one rule again', lambda: rule_rows(window).count(default_rule) == 1)
    log('a rule was removed')

    # Each rule has a switch: off, the rule says so and stays in the list.
    switch = wait_for('the rule switch', lambda: named(window, _('Watch “%s”') % default_rule,
                                                       SWITCH_ROLES))[0]
    if not switch.getState().contains(pyatspi.STATE_CHECKED):
        raise TestFailure('the default rule is not on')
    click(switch)
    off = _('%s (off)') % _('Any machine')
    wait_for('the rule off', lambda: find_all(window, role='label', name=off))
    switch = named(window, _('Watch “%s”') % default_rule, SWITCH_ROLES)[0]
    if switch.getState().contains(pyatspi.STATE_CHECKED):
        raise TestFailure('the rule switch is still on')
    log('the rule was turned off')
    wait_for('the rule stored as off', lambda: "'enabled': <false>" in stored('alert-rules'))
    log('stored: ' + stored('alert-rules'))
    screenshot(tag + '-rule-off')

    # Ctrl+W closes it, and with it the sampling it asked for.
    x, y = ui.center(window)
    pyatspi.Registry.generateMouseEvent(x, y, pyatspi.MOUSE_ABS)
    press('w', modifiers=(CONTROL_L,))
    wait_for('the dashboard to close', lambda: not dashboard(app))
    log('the dashboard closed')

    # Opened again, it shows the rules as the settings hold them.
    window = open_dashboard(app)
    click(wait_for('the Alerts tab', lambda: tab_named(window, _('Alerts')))[0])
    wait_for('the rule still off', lambda: find_all(window, role='label', name=off))
    press('w', modifiers=(CONTROL_L,))
    wait_for('the dashboard to close', lambda: not dashboard(app))

    scenario_metrics(app, tag, uri)


def main():
    hearth, fixture = sys.argv[1], sys.argv[2]
    tag = os.environ.get('HEARTH_UI_TAG', 'en')

    ui.load_catalog()
    live = fixture.startswith('embed:')
    if live:
        # A private embed root: no daemon, nothing left behind.
        root = tempfile.mkdtemp(prefix='hearth-dashboard-')
        uri = 'qemu:///embed?root=' + root
    else:
        uri = 'test://' + os.path.abspath(fixture)
    # Settings in a keyfile of this test's own, so that it can read what
    # Hearth stored.
    config = tempfile.mkdtemp(prefix='hearth-dashboard-config-')
    os.environ['XDG_CONFIG_HOME'] = config
    os.environ['GSETTINGS_BACKEND'] = 'keyfile'
    run_scenario = functools.partial(scenario_live if live else scenario, uri=uri)
    try:
        return ui.run(hearth, uri, run_scenario, tag, ARTIFACTS)
    finally:
        if live:
            shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(config, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
