import express, { NextFunction, Request, Response } from 'express';
import { adminRouter } from './admin/api';
import { EmulatorContext } from './context';
import { entraRouter } from './entra/routes';
import { graphHandler } from './graph/http';
import type { MicrosoftEmulator } from './index';

/** Routes: /_emulator (admin + calendar page), /v1.0 (Graph), /{tenant}/... (Entra). */
export function createHttpApp(ctx: EmulatorContext, emulator: MicrosoftEmulator): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use('/_emulator', adminRouter(emulator));
  app.use('/v1.0', ...graphHandler(ctx));
  app.use(entraRouter(ctx));
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found', error_description: `The emulator does not serve ${req.method} ${req.path}.` });
  });
  // Express 5 forwards rejected async handlers here; answer JSON so clients can parse it.
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ error: 'emulator_error', error_description: err.message });
  });
  return app;
}
