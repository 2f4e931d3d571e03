#!/usr/bin/python3
# startup.py  SPDX-License-Identifier: GPL-3.0-or-later
#
# Measures Hearth's start-up: the time from launching the process to the first
# frame that shows machines, and the peak resident memory (VmHWM) at that
# point, for test-driver connections with 10, 200 and 1000 machines. Hearth
# prints both itself when HEARTH_BENCH_EXIT_AFTER_FIRST_FRAME is set, then
# quits. Prints figures; asserts nothing. Run through bench/startup.
#
# Usage: startup.py HEARTH [N...]

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

RUNS = 3
STATES = [1, 5, 5, 3, 1]  # running, shut off, shut off, paused, running


def write_fixture(path, count):
    with open(path, 'w', encoding='utf-8') as f:
        f.write('<node xmlns:test="http://libvirt.org/schemas/domain/test/1.0">\n')
        f.write('  <cpu><mhz>3000</mhz><model>x86_64</model><active>8</active>'
                '<nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>2</threads></cpu>\n')
        f.write('  <memory>16777216</memory>\n')
        for i in range(count):
            f.write('  <domain type="test"><name>bench-machine-%04d</name><uuid>%s</uuid>'
                    '<memory unit="MiB">%d</memory><vcpu>%d</vcpu>'
                    '<os><type arch="x86_64">hvm</type></os>'
                    '<test:runstate>%d</test:runstate></domain>\n'
                    % (i, uuid.UUID(int=i + 1), 512 * (1 + i % 8), 1 + i % 4,
                       STATES[i % len(STATES)]))
        f.write('</node>\n')


def run_once(hearth, fixture):
    env = dict(os.environ)
    env['HEARTH_BENCH_EXIT_AFTER_FIRST_FRAME'] = '1'
    start_us = time.time_ns() // 1000
    out = subprocess.run([hearth, '--connect', 'test://' + fixture], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True, timeout=120).stdout
    for line in out.splitlines():
        if line.startswith('hearth-bench:'):
            fields = dict(kv.split('=', 1) for kv in line.split()[1:])
            return ((int(fields['first-frame-realtime-us']) - start_us) / 1000.0,
                    int(fields['vmhwm-kib']) / 1024.0,
                    int(fields['rssanon-kib']) / 1024.0,
                    int(fields['items']))
    raise RuntimeError('Hearth printed no figures: %r' % out)


def main():
    hearth = os.path.abspath(sys.argv[1])
    counts = [int(n) for n in sys.argv[2:]] or [10, 200, 1000]
    with tempfile.TemporaryDirectory() as tmp:
        print('%8s  %18s  %18s  %14s  %s' % ('machines', 'first frame (ms)', 'peak RSS (MiB)',
                                            'anon RSS (MiB)', 'runs'))
        for count in counts:
            fixture = os.path.join(tmp, 'bench-%d.xml' % count)
            write_fixture(fixture, count)
            run_once(hearth, fixture)  # warm the page cache; not counted
            results = [run_once(hearth, fixture) for _ in range(RUNS)]
            times = [r[0] for r in results]
            rss = [r[1] for r in results]
            anon = [r[2] for r in results]
            if any(r[3] != count for r in results):
                raise RuntimeError('Hearth showed %r machines, not %d' % ([r[3] for r in results], count))
            print('%8d  %8.0f (min %5.0f)  %8.1f (max %5.1f)  %14.1f  %d' %
                  (count, statistics.median(times), min(times),
                   statistics.median(rss), max(rss), statistics.median(anon), RUNS), flush=True)


if __name__ == '__main__':
    main()
