import type { Carrier } from "./catalog.types.ts";

/**
 * Mainland China 11-digit mobile number segments (号段) → the carrier whose network serves them.
 *
 * Source: the MIIT numbering plan as summarised by the public segment lists (zh.wikipedia
 * "中国大陆移动电话号码段", operators' own 号段 pages), checked 2025-11. Keys are 3- or 4-digit prefixes;
 * a 4-digit key overrides its 3-digit parent. `null` marks a prefix that exists but is not a consumer
 * mobile line we can top up (e.g. 1349 satellite).
 *
 * Virtual operators (MVNO, 虚拟运营商) ride a host network: 162 → Telecom, 165 → Mobile, 167 → Unicom,
 * 171 → Unicom, and 170 is split by its 4th digit (1700–1702 Telecom, 1703/1705/1706 Mobile,
 * 1704/1707–1709 Unicom). They are mapped to the host carrier, because that is whose top-up channel
 * credits them; `VIRTUAL_PREFIXES` lets callers tell them apart.
 * Data-card segments (145 Unicom, 147 Mobile, 149 Telecom) are 11-digit numbers that take top-ups too.
 * 13-digit IoT segments (140–144, 1440…) are not 11-digit numbers and so never match.
 */
export const MOBILE_SEGMENTS: Readonly<Record<string, Carrier | null>> = {
  // China Mobile 中国移动
  "134": "CMCC",
  "1349": null,
  "135": "CMCC",
  "136": "CMCC",
  "137": "CMCC",
  "138": "CMCC",
  "139": "CMCC",
  "147": "CMCC",
  "150": "CMCC",
  "151": "CMCC",
  "152": "CMCC",
  "157": "CMCC",
  "158": "CMCC",
  "159": "CMCC",
  "165": "CMCC",
  "172": "CMCC",
  "178": "CMCC",
  "182": "CMCC",
  "183": "CMCC",
  "184": "CMCC",
  "187": "CMCC",
  "188": "CMCC",
  "195": "CMCC",
  "197": "CMCC",
  "198": "CMCC",
  "1703": "CMCC",
  "1705": "CMCC",
  "1706": "CMCC",
  // China Unicom 中国联通
  "130": "CUCC",
  "131": "CUCC",
  "132": "CUCC",
  "145": "CUCC",
  "155": "CUCC",
  "156": "CUCC",
  "166": "CUCC",
  "167": "CUCC",
  "171": "CUCC",
  "175": "CUCC",
  "176": "CUCC",
  "185": "CUCC",
  "186": "CUCC",
  "196": "CUCC",
  "1704": "CUCC",
  "1707": "CUCC",
  "1708": "CUCC",
  "1709": "CUCC",
  // China Telecom 中国电信
  "133": "CTCC",
  "149": "CTCC",
  "153": "CTCC",
  "162": "CTCC",
  "173": "CTCC",
  "177": "CTCC",
  "180": "CTCC",
  "181": "CTCC",
  "189": "CTCC",
  "190": "CTCC",
  "191": "CTCC",
  "193": "CTCC",
  "199": "CTCC",
  "1700": "CTCC",
  "1701": "CTCC",
  "1702": "CTCC",
  // China Broadnet 中国广电
  "192": "CBN",
};

export const VIRTUAL_PREFIXES: ReadonlySet<string> = new Set(["162", "165", "167", "170", "171"]);
