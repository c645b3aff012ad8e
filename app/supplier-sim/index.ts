export {
  createSupplierSim,
  type SupplierSim,
  type SupplierSimBehaviour,
  type SupplierSimOptions,
  type SupplierSimStats,
} from "./supplier-sim.ts";
export { startSupplierSim, type RunningSupplierSim } from "./start-supplier-sim.ts";
