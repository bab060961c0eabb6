import { defineStream } from "./stream.js";

export const workspaces = defineStream({
  name: "workspaces",
  source: "workspace",
  keyProperties: ["workspace_id"],
  replication: { method: "FULL_TABLE" },
  toRows: ({ workspace }) => [
    { workspace_id: workspace.uuid, name: workspace.name ?? null, internal_id: workspace.id ?? null },
  ],
});
