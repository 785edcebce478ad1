/**
 * The `dicom` connector (DIMSE): inbound a C-STORE SCP with C-ECHO (dicom-scp.ts), outbound a C-STORE
 * SCU (dicom-scu.ts). An own implementation of the upper layer over node:net, tested against DCMTK's
 * storescu, storescp and echoscu (see README "DICOM").
 */
import { DicomInbound } from "./dicom-scp.js";
import { DicomOutbound } from "./dicom-scu.js";
import { readDicomInbound, readDicomOutbound } from "./dicom-settings.js";
import type { ConnectorDefinition } from "./types.js";

export { DicomInbound } from "./dicom-scp.js";
export { DicomOutbound } from "./dicom-scu.js";
export {
  type DicomInboundSettings,
  type DicomOutboundSettings,
  readDicomInbound,
  readDicomOutbound,
  STORAGE_SOP_CLASSES,
} from "./dicom-settings.js";

export const dicomConnector: ConnectorDefinition = {
  inbound: (name, raw) => new DicomInbound(name, readDicomInbound(name, raw)),
  outbound: (name, raw, deps) => new DicomOutbound(name, readDicomOutbound(name, raw), deps.log),
};
