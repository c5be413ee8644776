import { runConformance } from './conformance/suite.js';
import { postgresStore } from './helpers/stores.js';

const makeStore = await postgresStore();
if (makeStore) runConformance('postgres', makeStore);
