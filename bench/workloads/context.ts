/** @module What every workload receives from the runner. */
import type { Sizes } from '../config.js';
import type { SystemInfo } from '../systems/index.js';

export interface WorkloadContext {
  sizes: Sizes;
  systems: SystemInfo[];
  /** Progress for the person watching; goes to stderr so stdout carries only the report. */
  log(message: string): void;
  /** Settings each system ran with, by label, for the report. */
  settings: Map<string, string>;
}
