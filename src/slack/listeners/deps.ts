import type { Clock } from '../../clock.js';
import type { Config } from '../../config/index.js';
import type { Db } from '../../db/database.js';
import type { SlaPolicy } from '../../domain/sla.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { Home } from '../home.js';
import type { Replies } from '../../services/replies.js';
import type { Triage } from '../../services/triage.js';
import type { Permissions } from '../permissions.js';

/** Everything a listener may use, passed in from main: no module-level singletons. */
export interface ListenerDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  config: Config;
  metrics: Metrics;
  slaPolicy: SlaPolicy;
  triage: Triage;
  replies: Replies;
  permissions: Permissions;
  /** The App Home tab (app_home_opened). */
  home: Home;
}
