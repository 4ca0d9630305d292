import { AlertObserver } from '../alerts/alert.observer';
import { DataDirs } from '../common/data-dirs';
import { C360Config } from '../config/config';
import { LineageObserver } from '../lineage/lineage.observer';
import { combineObservers, RunObserver } from './run-context';

/** The observers every builder process attaches to its runs: lineage always, alerts when a
 *  webhook is configured. */
export function defaultRunObserver(config: C360Config, dirs: DataDirs): RunObserver {
  const alerts = AlertObserver.fromConfig(config);
  return combineObservers([LineageObserver.fromConfig(config, dirs), ...(alerts ? [alerts] : [])]);
}
