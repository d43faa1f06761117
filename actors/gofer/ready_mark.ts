// The word a gofer child writes once its mounts are open ("RDY!" little-endian), before any answer.
export const READY_MARK_VALUE = 0x21_59_44_52;
