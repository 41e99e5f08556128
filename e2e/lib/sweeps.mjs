// Running the scheduler's sweep from a journey (`stepforward sweep --now`): when, and what it sent.

/** 10:00 UTC on `date`, moved on to Monday from a weekend, as ISO-8601. */
export function workingMorning(date) {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), 10));
  while (day.getUTCDay() === 0 || day.getUTCDay() === 6) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString();
}

/** Whether a sweep report lists a `kind` message as sent (not held, not failed). */
export function sent(report, kind) {
  return report.split('\n').some((line) => {
    const fields = line.split('\t');
    return fields[1] === kind && fields.length === 3;
  });
}

/** Sweep from `now` until a `kind` message is sent, sweeping again at a held message's time. */
export async function sweepUntilSent(stack, now, kind, tries = 4) {
  let report = '';
  for (let i = 0; i < tries && !sent(report, kind); i++) {
    report = await stack.sweep(now);
    const held = report.match(new RegExp(`\\t${kind}\\t\\S+\\theld until (\\S+)`));
    if (held) now = held[1];
  }
  return report;
}
