-- An archived workspace brought back from the VolumeSnapshot taken when it was archived:
-- its volume is created from that snapshot (dataSource) instead of empty.
ALTER TABLE workspaces ADD COLUMN restored_from text;
