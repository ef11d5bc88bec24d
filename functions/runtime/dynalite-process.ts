// Runs dynalite in a process of its own, so the embedded table has a core to itself. Started
// by startDynalite; exits when its parent goes away, however the parent ended. Compacts its
// files when the parent asks ({compact: n}, answered {compacted: n} or {failed: n, reason}).
import type { AddressInfo } from 'node:net';
import { createDynaliteServer } from './dynalite';

const { server, compact } = createDynaliteServer(process.env.DYNALITE_PATH || undefined);
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('message', (message: { compact?: number }) => {
  const n = message.compact;
  if (n === undefined) return;
  compact().then(
    () => process.send?.({ compacted: n }),
    (e: Error) => process.send?.({ failed: n, reason: e.message }),
  );
});
process.on('disconnect', () => server.close(() => process.exit(0)));
