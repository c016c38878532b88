/** `npm start` / `imgflow serve`: the server on embedded defaults (no Redis, no S3 needed). */
import { startServer } from './start.ts';

await startServer();
