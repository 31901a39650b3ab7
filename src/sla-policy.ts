import type { Config } from './config/index.js';
import type { ReminderSettings } from './domain/reminders.js';
import type { SlaPolicy } from './domain/sla.js';
import type { ReminderAudience } from './slack/blocks/reminders.js';

/** The SLA policy the configuration describes. */
export function slaPolicyFromConfig(config: Config): SlaPolicy {
  return {
    default: { firstResponseMinutes: config.sla.firstResponseMinutes, warnMinutes: config.sla.warnMinutes },
    byPriority: config.sla.priorityOverrides,
    businessHours: config.sla.businessHours,
    nextResponseMinutes: config.cases.nextResponseMinutes,
  };
}

/** When reminders repeat and follow up, and whether a breach frees the claim. */
export function reminderSettingsFromConfig(config: Config): ReminderSettings {
  return {
    repeatMinutes: config.sla.repeatMinutes,
    maxRepeats: config.sla.maxRepeats,
    followUpMinutes: Math.round(config.sla.followUpHours * 60),
    releaseOnBreach: config.sla.releaseOnBreach,
  };
}

/** Who reminders ping. */
export function reminderAudienceFromConfig(config: Config): ReminderAudience {
  return { warnMention: config.sla.warnMention, respondersGroup: config.slack.respondersGroup, leadsGroup: config.slack.leadsGroup };
}
