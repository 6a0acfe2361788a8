// The bench's baseline: a bare Express route in its own process (production settings), so that each
// page's throughput is read as a share of what this machine serves with no work at all.
import express from 'express';

const app = express();
app.get('/hello', (_req, res) => {
  res.type('text/plain').send('hello');
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on bare route'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
