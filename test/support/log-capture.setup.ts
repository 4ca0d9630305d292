import pino from 'pino';
import { setRootLogger } from '../../src/common/logger';
import { newLogFile } from './log-capture';

// jest setupFiles (e2e): in-process services of this test file log to the run's log directory
// at the production level, so the final scan sees what they would write in production.
const file = newLogFile('in-process');
if (file) {
  setRootLogger(
    pino(
      {
        level: 'info',
        base: { service: 'c360' },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      pino.destination({ dest: file, sync: true }),
    ),
  );
}
