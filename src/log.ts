import { pino, type Logger } from 'pino';

/**
 * The one logger. Redaction is a second line of defence: request logging never passes headers,
 * bodies or addresses in the first place (see http/request-log.ts).
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ['password', '*.password', 'token', '*.token', 'cookie', '*.cookie', 'csrf', '*.csrf', 'ip', '*.ip'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

export type { Logger };
