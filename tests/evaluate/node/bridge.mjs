// Bridge for the differential tests: one simulation per JSON line on stdin, one answer per line
// on stdout ({"id", "decision", "ignored"}: decision Allowed | ExplicitlyDenied | ImplicitlyDenied,
// ignored the context keys the peer dropped; or {"id", "error"}). Mode "bench" instead times a
// batch: {"bench": [simulations], "rounds": n}.
import { createInterface } from 'node:readline'
import { runSimulation } from '@cloud-copilot/iam-simulate'

async function decide(simulation) {
  const response = await runSimulation(simulation, {})
  if (response.resultType === 'error') {
    return { error: JSON.stringify(response.errors) }
  }
  // Context keys the peer dropped as not applying to the request (it decides without them).
  const ignored = response.resultType === 'single'
    ? response.result.ignoredContextKeys ?? []
    : [...new Set(response.results.flatMap((r) => r.ignoredContextKeys ?? []))]
  return { decision: response.overallResult, ignored }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of lines) {
  if (!line.trim()) continue
  const message = JSON.parse(line)
  let answer
  try {
    if (message.bench) {
      const start = process.hrtime.bigint()
      let decisions = 0
      for (let round = 0; round < (message.rounds ?? 1); round++) {
        for (const simulation of message.bench) {
          await decide(simulation)
          decisions++
        }
      }
      const seconds = Number(process.hrtime.bigint() - start) / 1e9
      answer = { decisions, seconds }
    } else {
      answer = await decide(message.simulation)
    }
  } catch (e) {
    answer = { error: String(e && e.message ? e.message : e) }
  }
  process.stdout.write(JSON.stringify({ id: message.id, ...answer }) + '\n')
}
