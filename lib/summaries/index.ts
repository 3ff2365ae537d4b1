export { crc32c, maskedCrc32c } from './crc32c';
export { readSummaryCsv, SummaryCsv } from './csv';
export { EventFileWriter, frameRecord } from './events';
export { ProtoWriter } from './protobuf';
