import QRCode from "qrcode";

/**
 * The login QR code as terminal text (the `qrcode` library's terminal renderer, two rows per line), for the
 * operator to scan with the WeChat app of the account the shop runs on.
 */
export function qrForTerminal(value: string): Promise<string> {
  return QRCode.toString(value, { type: "terminal", small: true, errorCorrectionLevel: "L" });
}
