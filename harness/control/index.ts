export { getTotal, addNumbers, isHealthy, ControlError, TotalAnswer } from "./control-client.js";
