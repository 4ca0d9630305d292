import { CustomerIdParams } from '../customers/dto/customer-id.params';
import { createValidationPipe } from '../common/http/validation.pipe';
import { IDENTIFIER } from '../common/validation/validators';

/** ReadLane.identifierParams accepts an identifier without the pipe when IDENTIFIER matches it;
 *  that is only sound while the pipe accepts exactly what IDENTIFIER accepts. */
describe('the identifier shortcut of the read lane', () => {
  const pipe = createValidationPipe();
  const accepts = async (id: string): Promise<boolean> => {
    try {
      await pipe.transform({ id }, { type: 'param', metatype: CustomerIdParams });
      return true;
    } catch {
      return false;
    }
  };

  it('agrees with the validation pipe on CustomerIdParams for random and edge-case ids', async () => {
    const legal = 'ABCxyz019_.:@+=-';
    const anything = `${legal}%' "/\\é\u0000`;
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const ids = ['C00000042', 'a', '0', '-x', '.x', 'x'.repeat(64), 'x'.repeat(65), '', 'a@b.c', 'a b'];
    for (let i = 0; i < 2000; i++) {
      // Half of them from the identifier characters only, so both answers occur often.
      const alphabet = i % 2 === 0 ? legal : anything;
      const length = 1 + Math.floor(random() * 70);
      let id = '';
      for (let j = 0; j < length; j++) id += alphabet[Math.floor(random() * alphabet.length)];
      ids.push(id);
    }
    let accepted = 0;
    for (const id of ids) {
      const byPipe = await accepts(id);
      expect([id, byPipe]).toEqual([id, IDENTIFIER.test(id)]);
      if (byPipe) accepted++;
    }
    expect(accepted).toBeGreaterThan(50);
  });
});
