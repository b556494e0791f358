// A training checkpoint on disk (`checkpoints/<op id>.json`): the model state plus the operation it
// belongs to. Resuming reads it back and goes on from its epoch.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Ctx } from "../context.ts";
import type { ModelSnapshot } from "./model-state.ts";

export interface CheckpointFile extends ModelSnapshot {
  operation_id: string;
}

export function checkpointPath(ctx: Ctx, opId: string): string {
  return join(ctx.checkpointsDir, `${opId}.json`);
}

export function writeCheckpointFile(ctx: Ctx, file: CheckpointFile): { path: string; bytes: number } {
  const path = checkpointPath(ctx, file.operation_id);
  const text = JSON.stringify(file);
  writeFileSync(path, text);
  return { path, bytes: Buffer.byteLength(text) };
}

export function readCheckpointFile(path: string): CheckpointFile {
  return JSON.parse(readFileSync(path, "utf8")) as CheckpointFile;
}
