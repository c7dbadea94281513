#!/usr/bin/env python3
"""Sums Chrome traces of bench_profile_step by operator: self time (an operator's time less the operators it
called) per step, side by side for each trace given, largest first.
usage: profile_table.py A.json [B.json ...] [--steps N] [--top K]"""
import argparse, collections, json

def self_times(path, steps):
    events = json.load(open(path))
    events = events.get('traceEvents', events) if isinstance(events, dict) else events
    by_thread = collections.defaultdict(list)
    for e in events:
        if e.get('ph') == 'X' and 'dur' in e:
            by_thread[e.get('tid')].append(e)
    totals = collections.Counter()
    for evs in by_thread.values():
        evs.sort(key=lambda e: (e['ts'], -e['dur']))
        stack = []  # open events: [end, name, time of children]
        for e in evs:
            while stack and stack[-1][0] <= e['ts']:
                end, name, children, dur = stack.pop()
                totals[name] += dur - children
                if stack:
                    stack[-1][2] += dur
            stack.append([e['ts'] + e['dur'], e['name'], 0.0, e['dur']])
        while stack:
            end, name, children, dur = stack.pop()
            totals[name] += dur - children
            if stack:
                stack[-1][2] += dur
    return {k: v / 1000.0 / steps for k, v in totals.items()}  # ms per step

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('traces', nargs='+')
    ap.add_argument('--steps', type=int, default=2)
    ap.add_argument('--top', type=int, default=25)
    a = ap.parse_args()
    tables = [self_times(p, a.steps) for p in a.traces]
    names = sorted(set().union(*tables), key=lambda n: -max(t.get(n, 0) for t in tables))[:a.top]
    print('| operator | ' + ' | '.join(f'{p} (ms/step)' for p in a.traces) + ' |')
    print('|---|' + '---|' * len(tables))
    for n in names:
        print(f'| {n} | ' + ' | '.join(f'{t.get(n, 0):.1f}' for t in tables) + ' |')
    print('| total | ' + ' | '.join(f'{sum(t.values()):.1f}' for t in tables) + ' |')

if __name__ == '__main__':
    main()
