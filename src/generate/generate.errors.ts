/** Typed failures of `c360 generate`; the CLI prints `message` as its one-line error. */
export type GenerateErrorCode = 'invalid_options' | 'no_first_batch' | 'batch_conflict' | 'options_mismatch';

export class GenerateError extends Error {
  constructor(
    readonly code: GenerateErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad options: scale, seed, dirty rate or output directory. */
export class GenerateOptionsError extends GenerateError {
  constructor(message: string) {
    super('invalid_options', message);
  }
}

/** The output directory's existing batches do not allow the requested run. */
export class GenerateStateError extends GenerateError {}
