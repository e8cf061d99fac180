// Per-controller switches every replica reads before each run: paused, dry run, and the
// global dry run ('*'). Kept in PostgreSQL so that a switch flipped through one replica's
// API holds for the leader, whichever replica that is.
import type { Queryable } from '../../db/pool.ts';

export const GLOBAL = '*';

export interface ControllerSwitches {
  paused: boolean;
  dryRun: boolean;
  updatedBy: string | null;
  updatedAt: Date | null;
}

export interface Switches {
  globalDryRun: boolean;
  byController: Map<string, ControllerSwitches>;
}

export async function readSwitches(db: Queryable): Promise<Switches> {
  const { rows } = await db.query(`SELECT controller, paused, dry_run, updated_by, updated_at FROM controller_settings`);
  const byController = new Map<string, ControllerSwitches>();
  let globalDryRun = false;
  for (const r of rows) {
    if (r.controller === GLOBAL) globalDryRun = r.dry_run;
    else byController.set(r.controller, { paused: r.paused, dryRun: r.dry_run, updatedBy: r.updated_by, updatedAt: r.updated_at });
  }
  return { globalDryRun, byController };
}

export async function setSwitch(db: Queryable, controller: string, change: { paused?: boolean; dryRun?: boolean }, actor: string): Promise<void> {
  await db.query(
    `INSERT INTO controller_settings (controller, paused, dry_run, updated_by, updated_at)
     VALUES ($1, coalesce($2, false), coalesce($3, false), $4, now())
     ON CONFLICT (controller) DO UPDATE SET
       paused = coalesce($2, controller_settings.paused),
       dry_run = coalesce($3, controller_settings.dry_run),
       updated_by = $4, updated_at = now()`,
    [controller, change.paused ?? null, change.dryRun ?? null, actor],
  );
}
