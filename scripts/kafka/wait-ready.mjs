// Waits until a Kafka broker answers a metadata request, or its process dies, or time runs out.
// Usage: node scripts/kafka/wait-ready.mjs <host:port> <pid> <timeout seconds>; exit 0 when ready.
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';

const [broker, pidArg, timeoutArg] = process.argv.slice(2);
if (!broker || !pidArg || !timeoutArg) {
  console.error('usage: wait-ready.mjs <host:port> <pid> <timeout seconds>');
  process.exit(2);
}
const pid = Number(pidArg);
const deadline = Date.now() + Number(timeoutArg) * 1000;

function alive() {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A dead child not yet reaped is a zombie: state 'Z' after the ')' that closes its name.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

// The broker opens its client listener only once it has caught up with the metadata log, so one
// successful describeCluster means clients can create topics and produce.
async function answersMetadata() {
  const admin = new Kafka({
    clientId: 'trunk-reactor-wait-ready',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

while (Date.now() < deadline) {
  if (!alive()) {
    console.error(`kafka: broker process ${pid} exited during start-up`);
    process.exit(1);
  }
  if (await answersMetadata()) process.exit(0);
  await new Promise((resolve) => setTimeout(resolve, 200));
}
process.exit(1);
