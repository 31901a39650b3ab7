import type { Config } from './config.js';
import type { SlaPolicy } from './domain/sla.js';

/** The SLA policy the configuration describes. */
export function slaPolicyFromConfig(config: Config): SlaPolicy {
  return {
    default: { firstResponseMinutes: config.sla.firstResponseMinutes, warnMinutes: config.sla.warnMinutes },
    byPriority: {},
    businessHours: null,
  };
}
