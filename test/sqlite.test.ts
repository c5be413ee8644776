import { runConformance } from './conformance/suite.js';
import { sqliteStore } from './helpers/stores.js';

runConformance('sqlite', sqliteStore());
