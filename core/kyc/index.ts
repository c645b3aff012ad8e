import { systemContext, withAccess, type CoreContext } from "../shared/index.ts";
import { kycAccess } from "./kyc.access.ts";
import { createKyc as createUncheckedKyc, type Kyc, type KycDeps } from "./kyc.service.ts";

export * from "./kyc.types.ts";
export { KYC_ROW } from "./kyc.sql.ts";
export { checkName, type Kyc, type KycAuditPort, type KycDeps, type SubmitInput } from "./kyc.service.ts";
export {
  checkResidentId,
  maskName,
  maskResidentId,
  residentIdCheckChar,
  type ResidentIdProblem,
} from "./resident-id.ts";
export { regionOf, type Region } from "./division-codes.ts";
export { createSandboxKycProvider } from "./sandbox-kyc-provider.ts";
export { createHttpKycProvider, type HttpKycProviderOptions } from "./http-kyc-provider.ts";

/** Real-name verification, every call checked against its actor (kyc.access.ts). */
export const createKyc = (deps: KycDeps): Kyc => withAccess("kyc", createUncheckedKyc(deps), kycAccess);

/** `kycVerified(kyc)` is the function `(ctx, userId) → whether the user is real-name verified`. */
export const kycVerified =
  (kyc: Pick<Kyc, "isVerified">) =>
  (ctx: CoreContext, userId: string): Promise<boolean> =>
    kyc.isVerified(ctx, userId);

/**
 * The `KycCheck` port of withdrawals (`isVerified(userId)`), filled by KYC: asked as the platform on behalf
 * of the withdrawal (wire it in app/container.ts: `kycCheck: kycCheckFor(kyc)`).
 */
export const kycCheckFor = (kyc: Pick<Kyc, "isVerified">) => ({
  isVerified: (userId: string) => kyc.isVerified(systemContext("withdrawals:kyc-check"), userId),
});
