import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderContracts } from '../src/cli/contracts.command';

describe('checked-in contracts', () => {
  it('docs/openapi.json and docs/configuration.md match the code (run npm run sync:contracts)', async () => {
    for (const artifact of await renderContracts()) {
      const checkedIn = readFileSync(join(__dirname, '..', artifact.path), 'utf8');
      expect({ path: artifact.path, content: checkedIn }).toEqual({
        path: artifact.path,
        content: artifact.content,
      });
    }
  });
});
