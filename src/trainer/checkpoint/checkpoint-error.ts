// The one error type of the checkpoint readers and writers: every message names the file (or record) and
// what was wrong, so a user can tell a truncated download from an unsupported or hostile file.
export class CheckpointError extends Error {
  override readonly name: string = 'CheckpointError'
}

/** A pickle asked for something a weights-only load refuses (an unknown global or opcode), as torch.load(weights_only=True). */
export class PickleSecurityError extends CheckpointError {
  override readonly name = 'PickleSecurityError'
}
