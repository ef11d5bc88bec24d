// Runs dynalite in a process of its own, so the embedded table has a core to itself. Started
// by startDynalite; exits when its parent goes away, however the parent ended.
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

const server = dynalite({
  path: process.env.DYNALITE_PATH || undefined,
  createTableMs: 0,
  deleteTableMs: 0,
  updateTableMs: 0,
});
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => server.close(() => process.exit(0)));
