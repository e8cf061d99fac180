// The shapes GET /api/v1/regions answers with (see server/routes/regions.ts).
export interface Check { at: string; ok: boolean; probeOk: boolean; httpStatus: number | null; latencyMs: number | null; burnRate: number | null; error: string | null }
export interface Region {
  name: string; priority: number; role: 'active' | 'standby'; autoFailback: boolean; probeUrl: string; slos: string[];
  health: { state: 'healthy' | 'failing' | 'failed' | 'unknown'; consecutive: number; lastCheck: Check | null };
  checks: Check[];
}
export interface Failover { id: number; fromRegion: string | null; toRegion: string; kind: string; reason: string; actor: string; firstFailedAt: string | null; switchedAt: string; rtoMs: number | null }
export interface Request { id: number; toRegion: string; reason: string; actor: string; requestedAt: string; doneAt: string | null; failoverId: number | null; error: string | null }
export interface Regions {
  settings: { intervalSeconds: number; retryIntervalSeconds: number; failuresToFailover: number; successesToFailback: number; holdDownSeconds: number };
  regions: Region[];
  failovers: Failover[];
  requests: Request[];
}
