// Every feature's routes, in one list the app registers. Add a feature here.
import type { FastifyPluginAsync } from 'fastify';
import health from './health.ts';
import me from './me.ts';
import tenants from './tenants.ts';
import members from './members.ts';
import tokens from './tokens.ts';
import workspaces from './workspaces.ts';
import usageEvents from './usage-events.ts';
import usage from './usage.ts';
import pricing from './pricing.ts';
import otlp from './otlp.ts';
import faro from './faro.ts';
import frontend from './frontend.ts';
import traces from './traces.ts';
import controllers from './controllers.ts';
import quota from './quota.ts';
import fleetMode from './fleet-mode.ts';
import slo from './slo.ts';
import fleetCosts from './fleet-costs.ts';
import fleet from './fleet.ts';
import regions from './regions.ts';
import capacity from './capacity.ts';

export const FEATURE_ROUTES: FastifyPluginAsync[] = [health, me, tenants, members, tokens, workspaces, usageEvents, usage, pricing, otlp, faro, frontend, traces, controllers, quota, fleetMode, slo, fleetCosts, fleet, regions, capacity];
