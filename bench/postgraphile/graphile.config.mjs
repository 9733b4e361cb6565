// PostGraphile 5, issue 6's second baseline, pointed at civicgraph's own
// PostgreSQL database (schema public, as `civicgraph migrate` leaves it).
// Presets: Amber (PostGraphile's defaults), connection-filter (`filter:`
// arguments, forward relations included) and pg-aggregates (`aggregates`,
// `groupedAggregates`). Nothing civicgraph-specific: no smart tags, no
// custom plugins, no views — PostGraphile as a team would deploy it over an
// existing database. See bench/README.md, "PostGraphile baseline (issue 6)".
//
// Environment: DATABASE_URL (required), PGL_POOL_SIZE (pg pool max,
// default 10, node-postgres's own default).
import { makePgService } from "postgraphile/adaptors/pg";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";
import { PgAggregatesPreset } from "@graphile/pg-aggregates";

const connectionString = process.env.DATABASE_URL;
if (!connectionString) {
  throw new Error("graphile.config.mjs: set DATABASE_URL (postgres://...)");
}

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset, PgAggregatesPreset],
  pgServices: [
    makePgService({
      connectionString,
      schemas: ["public"],
      poolConfig: { max: Number(process.env.PGL_POOL_SIZE || 10) },
    }),
  ],
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  schema: {
    // Filters across to-one relations (serviceRecords by their community's
    // code), as civicgraph's `where: {community: {code: ...}}`.
    connectionFilterRelations: true,
  },
  grafserv: {
    // A benchmark server: no schema watching, no GraphiQL, no explain.
    watch: false,
    graphiql: false,
  },
  grafast: {
    explain: false,
  },
};

export default preset;
