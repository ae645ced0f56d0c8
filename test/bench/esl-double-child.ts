// The ESL double in a process of its own for the concurrent-calls benchmark (esl.bench.ts):
// it listens, reports its port, then parks the calls it is asked for, spread over a time span;
// each caller keys "1" when the digit prompt has played. Asked for a report, it sends what its
// process went through meanwhile (event-loop delay, GC, time waiting for a CPU: esl-probe.ts).
import { EslDouble } from '../doubles/esl-double.js';
import { startProbe, type ProbeReport } from './esl-probe.js';

const fs = new EslDouble();
const port = await fs.listen();
let probe: (() => ProbeReport) | undefined;
process.send!({ port });
process.on('message', (m: { place: number; overMs: number; mediaMs: number }) => {
  if (!m.place) return;
  probe = startProbe();
  fs.mediaMs = m.mediaMs;
  const every = m.overMs / m.place;
  let placed = 0;
  const start = Date.now();
  const tick = (): void => {
    const due = Math.min(m.place, Math.floor((Date.now() - start) / every) + 1);
    while (placed < due) {
      const uuid = fs.placeCall({
        caller: `1390000${String(placed).padStart(4, '0')}`,
        variables: { hotline_entry: 'citizen' },
      });
      fs.scriptDigits(uuid, '1');
      placed++;
    }
    if (placed < m.place) setTimeout(tick, 5);
  };
  tick();
});
process.on('message', (m: { report?: boolean }) => {
  if (m.report)
    process.send!({
      cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
      probe: probe?.(),
    });
});
process.on('disconnect', () => process.exit(0));
