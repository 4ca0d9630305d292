import { MaskedPiiClass } from '../auth/policy';
import { customerPiiClasses, loadSourceDefinitions, PiiClass } from '../ingest/source-definition';

/** Which served fields hold PII, and of which class; read from the source contracts. */
export class PiiClassification {
  private readonly classes: ReadonlyMap<string, MaskedPiiClass>;

  constructor(classes: ReadonlyMap<string, PiiClass>) {
    const masked = new Map<string, MaskedPiiClass>();
    for (const [field, piiClass] of classes) if (piiClass !== 'none') masked.set(field, piiClass);
    this.classes = masked;
  }

  static fromConfigDir(configDir: string): PiiClassification {
    return new PiiClassification(customerPiiClasses(loadSourceDefinitions(configDir)));
  }

  classOf(field: string): MaskedPiiClass | undefined {
    return this.classes.get(field);
  }

  entries(): IterableIterator<[string, MaskedPiiClass]> {
    return this.classes.entries();
  }
}
