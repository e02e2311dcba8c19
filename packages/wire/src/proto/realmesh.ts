/* eslint-disable require-yield */

import { decodeMessage, encodeMessage, enumeration, MaxLengthError, MaxSizeError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface WireError {
  code: string
  reason: string
}

export namespace WireError {
  let _codec: Codec<WireError>

  export const codec = (): Codec<WireError> => {
    if (_codec == null) {
      _codec = message<WireError>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.code != null && obj.code !== '')) {
          w.uint32(10)
          w.string(obj.code)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(18)
          w.string(obj.reason)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          code: '',
          reason: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.code = reader.string()
              break
            }
            case 2: {
              obj.reason = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.code`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface WireErrorCodeFieldEvent {
    field: '$.code'
    value: string
  }

  export interface WireErrorReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export function encode (obj: Partial<WireError>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, WireError.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WireError>): WireError {
    return decodeMessage(buf, WireError.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WireError>): Generator<WireErrorCodeFieldEvent | WireErrorReasonFieldEvent> {
    return streamMessage(buf, WireError.codec(), opts)
  }
}

export interface PeerRecord {
  nodeToken: string
  addrs: Uint8Array<ArrayBuffer>[]
  seq: bigint
  signature: Uint8Array<ArrayBuffer>
  wake?: WakeSchedule
}

export namespace PeerRecord {
  let _codec: Codec<PeerRecord>

  export const codec = (): Codec<PeerRecord> => {
    if (_codec == null) {
      _codec = message<PeerRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.nodeToken != null && obj.nodeToken !== '')) {
          w.uint32(10)
          w.string(obj.nodeToken)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(24)
          w.uint64(obj.seq)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.signature)
        }

        if (obj.wake != null) {
          w.uint32(42)
          WakeSchedule.codec().encode(obj.wake, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          nodeToken: '',
          addrs: [],
          seq: 0n,
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.nodeToken = reader.string()
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.bytes())
              break
            }
            case 3: {
              obj.seq = reader.uint64()
              break
            }
            case 4: {
              obj.signature = reader.bytes()
              break
            }
            case 5: {
              obj.wake = WakeSchedule.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.wake
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          addrs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.nodeToken`,
                value: reader.string()
              }
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              yield {
                field: `${prefix}.addrs[]`,
                index: obj.addrs,
                value: reader.bytes()
              }

              obj.addrs++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield * WakeSchedule.codec().stream(reader, reader.uint32(), `${prefix}.wake`, {
                limits: opts.limits?.wake
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PeerRecordNodeTokenFieldEvent {
    field: '$.nodeToken'
    value: string
  }

  export interface PeerRecordAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface PeerRecordSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface PeerRecordSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PeerRecordWakeAwakeMsFieldEvent {
    field: '$.wake.awakeMs'
    value: number
  }

  export interface PeerRecordWakePeriodMsFieldEvent {
    field: '$.wake.periodMs'
    value: number
  }

  export interface PeerRecordWakeAnchorMsFieldEvent {
    field: '$.wake.anchorMs'
    value: bigint
  }

  export interface PeerRecordWakeOnDataFieldEvent {
    field: '$.wake.onData'
    value: boolean
  }

  export function encode (obj: Partial<PeerRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PeerRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerRecord>): PeerRecord {
    return decodeMessage(buf, PeerRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerRecord>): Generator<PeerRecordNodeTokenFieldEvent | PeerRecordAddrsFieldEvent | PeerRecordSeqFieldEvent | PeerRecordSignatureFieldEvent | PeerRecordWakeAwakeMsFieldEvent | PeerRecordWakePeriodMsFieldEvent | PeerRecordWakeAnchorMsFieldEvent | PeerRecordWakeOnDataFieldEvent> {
    return streamMessage(buf, PeerRecord.codec(), opts)
  }
}

export interface WakeSchedule {
  awakeMs: number
  periodMs: number
  anchorMs: bigint
  onData: boolean
}

export namespace WakeSchedule {
  let _codec: Codec<WakeSchedule>

  export const codec = (): Codec<WakeSchedule> => {
    if (_codec == null) {
      _codec = message<WakeSchedule>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.awakeMs != null && obj.awakeMs !== 0)) {
          w.uint32(8)
          w.uint32(obj.awakeMs)
        }

        if ((obj.periodMs != null && obj.periodMs !== 0)) {
          w.uint32(16)
          w.uint32(obj.periodMs)
        }

        if ((obj.anchorMs != null && obj.anchorMs !== 0n)) {
          w.uint32(24)
          w.uint64(obj.anchorMs)
        }

        if ((obj.onData != null && obj.onData !== false)) {
          w.uint32(32)
          w.bool(obj.onData)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          awakeMs: 0,
          periodMs: 0,
          anchorMs: 0n,
          onData: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.awakeMs = reader.uint32()
              break
            }
            case 2: {
              obj.periodMs = reader.uint32()
              break
            }
            case 3: {
              obj.anchorMs = reader.uint64()
              break
            }
            case 4: {
              obj.onData = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.awakeMs`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.periodMs`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.anchorMs`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.onData`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface WakeScheduleAwakeMsFieldEvent {
    field: '$.awakeMs'
    value: number
  }

  export interface WakeSchedulePeriodMsFieldEvent {
    field: '$.periodMs'
    value: number
  }

  export interface WakeScheduleAnchorMsFieldEvent {
    field: '$.anchorMs'
    value: bigint
  }

  export interface WakeScheduleOnDataFieldEvent {
    field: '$.onData'
    value: boolean
  }

  export function encode (obj: Partial<WakeSchedule>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, WakeSchedule.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WakeSchedule>): WakeSchedule {
    return decodeMessage(buf, WakeSchedule.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WakeSchedule>): Generator<WakeScheduleAwakeMsFieldEvent | WakeSchedulePeriodMsFieldEvent | WakeScheduleAnchorMsFieldEvent | WakeScheduleOnDataFieldEvent> {
    return streamMessage(buf, WakeSchedule.codec(), opts)
  }
}

export interface Revocation {
  seq: bigint
  jti: string
  peer: string
  revokedAtMs: bigint
  untilMs: bigint
  reason: string
  signature: Uint8Array<ArrayBuffer>
}

export namespace Revocation {
  let _codec: Codec<Revocation>

  export const codec = (): Codec<Revocation> => {
    if (_codec == null) {
      _codec = message<Revocation>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(8)
          w.uint64(obj.seq)
        }

        if ((obj.jti != null && obj.jti !== '')) {
          w.uint32(18)
          w.string(obj.jti)
        }

        if ((obj.peer != null && obj.peer !== '')) {
          w.uint32(26)
          w.string(obj.peer)
        }

        if ((obj.revokedAtMs != null && obj.revokedAtMs !== 0n)) {
          w.uint32(32)
          w.uint64(obj.revokedAtMs)
        }

        if ((obj.untilMs != null && obj.untilMs !== 0n)) {
          w.uint32(40)
          w.uint64(obj.untilMs)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(50)
          w.string(obj.reason)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          seq: 0n,
          jti: '',
          peer: '',
          revokedAtMs: 0n,
          untilMs: 0n,
          reason: '',
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.seq = reader.uint64()
              break
            }
            case 2: {
              obj.jti = reader.string()
              break
            }
            case 3: {
              obj.peer = reader.string()
              break
            }
            case 4: {
              obj.revokedAtMs = reader.uint64()
              break
            }
            case 5: {
              obj.untilMs = reader.uint64()
              break
            }
            case 6: {
              obj.reason = reader.string()
              break
            }
            case 7: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.jti`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.peer`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.revokedAtMs`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.untilMs`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RevocationSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface RevocationJtiFieldEvent {
    field: '$.jti'
    value: string
  }

  export interface RevocationPeerFieldEvent {
    field: '$.peer'
    value: string
  }

  export interface RevocationRevokedAtMsFieldEvent {
    field: '$.revokedAtMs'
    value: bigint
  }

  export interface RevocationUntilMsFieldEvent {
    field: '$.untilMs'
    value: bigint
  }

  export interface RevocationReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export interface RevocationSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Revocation>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Revocation.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Revocation>): Revocation {
    return decodeMessage(buf, Revocation.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Revocation>): Generator<RevocationSeqFieldEvent | RevocationJtiFieldEvent | RevocationPeerFieldEvent | RevocationRevokedAtMsFieldEvent | RevocationUntilMsFieldEvent | RevocationReasonFieldEvent | RevocationSignatureFieldEvent> {
    return streamMessage(buf, Revocation.codec(), opts)
  }
}

export interface Epoch {
  epoch: bigint
  startsAtMs: bigint
  overlapMs: bigint
  salt: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace Epoch {
  let _codec: Codec<Epoch>

  export const codec = (): Codec<Epoch> => {
    if (_codec == null) {
      _codec = message<Epoch>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.epoch != null && obj.epoch !== 0n)) {
          w.uint32(8)
          w.uint64(obj.epoch)
        }

        if ((obj.startsAtMs != null && obj.startsAtMs !== 0n)) {
          w.uint32(16)
          w.uint64(obj.startsAtMs)
        }

        if ((obj.overlapMs != null && obj.overlapMs !== 0n)) {
          w.uint32(24)
          w.uint64(obj.overlapMs)
        }

        if ((obj.salt != null && obj.salt.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.salt)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          epoch: 0n,
          startsAtMs: 0n,
          overlapMs: 0n,
          salt: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.epoch = reader.uint64()
              break
            }
            case 2: {
              obj.startsAtMs = reader.uint64()
              break
            }
            case 3: {
              obj.overlapMs = reader.uint64()
              break
            }
            case 4: {
              obj.salt = reader.bytes()
              break
            }
            case 5: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.startsAtMs`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.overlapMs`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.salt`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface EpochEpochFieldEvent {
    field: '$.epoch'
    value: bigint
  }

  export interface EpochStartsAtMsFieldEvent {
    field: '$.startsAtMs'
    value: bigint
  }

  export interface EpochOverlapMsFieldEvent {
    field: '$.overlapMs'
    value: bigint
  }

  export interface EpochSaltFieldEvent {
    field: '$.salt'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EpochSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Epoch>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Epoch.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Epoch>): Epoch {
    return decodeMessage(buf, Epoch.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Epoch>): Generator<EpochEpochFieldEvent | EpochStartsAtMsFieldEvent | EpochOverlapMsFieldEvent | EpochSaltFieldEvent | EpochSignatureFieldEvent> {
    return streamMessage(buf, Epoch.codec(), opts)
  }
}

export interface Hello {
  version: number
  nodeToken: string
  timestamp: bigint
  nonce: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
  forPeer: Uint8Array<ArrayBuffer>
  revocationSeq: bigint
  epoch: bigint
}

export namespace Hello {
  let _codec: Codec<Hello>

  export const codec = (): Codec<Hello> => {
    if (_codec == null) {
      _codec = message<Hello>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.nodeToken != null && obj.nodeToken !== '')) {
          w.uint32(18)
          w.string(obj.nodeToken)
        }

        if ((obj.timestamp != null && obj.timestamp !== 0n)) {
          w.uint32(24)
          w.uint64(obj.timestamp)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.nonce)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.signature)
        }

        if ((obj.forPeer != null && obj.forPeer.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.forPeer)
        }

        if ((obj.revocationSeq != null && obj.revocationSeq !== 0n)) {
          w.uint32(56)
          w.uint64(obj.revocationSeq)
        }

        if ((obj.epoch != null && obj.epoch !== 0n)) {
          w.uint32(64)
          w.uint64(obj.epoch)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          nodeToken: '',
          timestamp: 0n,
          nonce: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0),
          forPeer: uint8ArrayAlloc(0),
          revocationSeq: 0n,
          epoch: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.nodeToken = reader.string()
              break
            }
            case 3: {
              obj.timestamp = reader.uint64()
              break
            }
            case 4: {
              obj.nonce = reader.bytes()
              break
            }
            case 5: {
              obj.signature = reader.bytes()
              break
            }
            case 6: {
              obj.forPeer = reader.bytes()
              break
            }
            case 7: {
              obj.revocationSeq = reader.uint64()
              break
            }
            case 8: {
              obj.epoch = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.nodeToken`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.timestamp`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.forPeer`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.revocationSeq`,
                value: reader.uint64()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface HelloVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface HelloNodeTokenFieldEvent {
    field: '$.nodeToken'
    value: string
  }

  export interface HelloTimestampFieldEvent {
    field: '$.timestamp'
    value: bigint
  }

  export interface HelloNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HelloSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HelloForPeerFieldEvent {
    field: '$.forPeer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HelloRevocationSeqFieldEvent {
    field: '$.revocationSeq'
    value: bigint
  }

  export interface HelloEpochFieldEvent {
    field: '$.epoch'
    value: bigint
  }

  export function encode (obj: Partial<Hello>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Hello.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Hello>): Hello {
    return decodeMessage(buf, Hello.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Hello>): Generator<HelloVersionFieldEvent | HelloNodeTokenFieldEvent | HelloTimestampFieldEvent | HelloNonceFieldEvent | HelloSignatureFieldEvent | HelloForPeerFieldEvent | HelloRevocationSeqFieldEvent | HelloEpochFieldEvent> {
    return streamMessage(buf, Hello.codec(), opts)
  }
}

export interface HandshakeReply {
  hello?: Hello
  error?: WireError
}

export namespace HandshakeReply {
  let _codec: Codec<HandshakeReply>

  export const codec = (): Codec<HandshakeReply> => {
    if (_codec == null) {
      _codec = message<HandshakeReply>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.hello != null) {
          w.uint32(10)
          Hello.codec().encode(obj.hello, w)
        }

        if (obj.error != null) {
          w.uint32(18)
          WireError.codec().encode(obj.error, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.hello = Hello.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.hello
              })
              break
            }
            case 2: {
              obj.error = WireError.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.error
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * Hello.codec().stream(reader, reader.uint32(), `${prefix}.hello`, {
                limits: opts.limits?.hello
              })

              break
            }
            case 2: {
              yield * WireError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                limits: opts.limits?.error
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface HandshakeReplyHelloVersionFieldEvent {
    field: '$.hello.version'
    value: number
  }

  export interface HandshakeReplyHelloNodeTokenFieldEvent {
    field: '$.hello.nodeToken'
    value: string
  }

  export interface HandshakeReplyHelloTimestampFieldEvent {
    field: '$.hello.timestamp'
    value: bigint
  }

  export interface HandshakeReplyHelloNonceFieldEvent {
    field: '$.hello.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HandshakeReplyHelloSignatureFieldEvent {
    field: '$.hello.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HandshakeReplyHelloForPeerFieldEvent {
    field: '$.hello.forPeer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HandshakeReplyHelloRevocationSeqFieldEvent {
    field: '$.hello.revocationSeq'
    value: bigint
  }

  export interface HandshakeReplyHelloEpochFieldEvent {
    field: '$.hello.epoch'
    value: bigint
  }

  export interface HandshakeReplyErrorCodeFieldEvent {
    field: '$.error.code'
    value: string
  }

  export interface HandshakeReplyErrorReasonFieldEvent {
    field: '$.error.reason'
    value: string
  }

  export function encode (obj: Partial<HandshakeReply>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, HandshakeReply.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HandshakeReply>): HandshakeReply {
    return decodeMessage(buf, HandshakeReply.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HandshakeReply>): Generator<HandshakeReplyHelloVersionFieldEvent | HandshakeReplyHelloNodeTokenFieldEvent | HandshakeReplyHelloTimestampFieldEvent | HandshakeReplyHelloNonceFieldEvent | HandshakeReplyHelloSignatureFieldEvent | HandshakeReplyHelloForPeerFieldEvent | HandshakeReplyHelloRevocationSeqFieldEvent | HandshakeReplyHelloEpochFieldEvent | HandshakeReplyErrorCodeFieldEvent | HandshakeReplyErrorReasonFieldEvent> {
    return streamMessage(buf, HandshakeReply.codec(), opts)
  }
}

export interface HandshakeDone {
  error?: WireError
}

export namespace HandshakeDone {
  let _codec: Codec<HandshakeDone>

  export const codec = (): Codec<HandshakeDone> => {
    if (_codec == null) {
      _codec = message<HandshakeDone>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.error != null) {
          w.uint32(10)
          WireError.codec().encode(obj.error, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.error = WireError.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.error
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * WireError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                limits: opts.limits?.error
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface HandshakeDoneErrorCodeFieldEvent {
    field: '$.error.code'
    value: string
  }

  export interface HandshakeDoneErrorReasonFieldEvent {
    field: '$.error.reason'
    value: string
  }

  export function encode (obj: Partial<HandshakeDone>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, HandshakeDone.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HandshakeDone>): HandshakeDone {
    return decodeMessage(buf, HandshakeDone.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HandshakeDone>): Generator<HandshakeDoneErrorCodeFieldEvent | HandshakeDoneErrorReasonFieldEvent> {
    return streamMessage(buf, HandshakeDone.codec(), opts)
  }
}

export interface JoinRequest {
  identityToken: string
  record?: PeerRecord
}

export namespace JoinRequest {
  let _codec: Codec<JoinRequest>

  export const codec = (): Codec<JoinRequest> => {
    if (_codec == null) {
      _codec = message<JoinRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.identityToken != null && obj.identityToken !== '')) {
          w.uint32(10)
          w.string(obj.identityToken)
        }

        if (obj.record != null) {
          w.uint32(18)
          PeerRecord.codec().encode(obj.record, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          identityToken: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.identityToken = reader.string()
              break
            }
            case 2: {
              obj.record = PeerRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.record
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.identityToken`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield * PeerRecord.codec().stream(reader, reader.uint32(), `${prefix}.record`, {
                limits: opts.limits?.record
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface JoinRequestIdentityTokenFieldEvent {
    field: '$.identityToken'
    value: string
  }

  export interface JoinRequestRecordNodeTokenFieldEvent {
    field: '$.record.nodeToken'
    value: string
  }

  export interface JoinRequestRecordAddrsFieldEvent {
    field: '$.record.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface JoinRequestRecordSeqFieldEvent {
    field: '$.record.seq'
    value: bigint
  }

  export interface JoinRequestRecordSignatureFieldEvent {
    field: '$.record.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface JoinRequestRecordWakeAwakeMsFieldEvent {
    field: '$.record.wake.awakeMs'
    value: number
  }

  export interface JoinRequestRecordWakePeriodMsFieldEvent {
    field: '$.record.wake.periodMs'
    value: number
  }

  export interface JoinRequestRecordWakeAnchorMsFieldEvent {
    field: '$.record.wake.anchorMs'
    value: bigint
  }

  export interface JoinRequestRecordWakeOnDataFieldEvent {
    field: '$.record.wake.onData'
    value: boolean
  }

  export function encode (obj: Partial<JoinRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, JoinRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<JoinRequest>): JoinRequest {
    return decodeMessage(buf, JoinRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<JoinRequest>): Generator<JoinRequestIdentityTokenFieldEvent | JoinRequestRecordNodeTokenFieldEvent | JoinRequestRecordAddrsFieldEvent | JoinRequestRecordSeqFieldEvent | JoinRequestRecordSignatureFieldEvent | JoinRequestRecordWakeAwakeMsFieldEvent | JoinRequestRecordWakePeriodMsFieldEvent | JoinRequestRecordWakeAnchorMsFieldEvent | JoinRequestRecordWakeOnDataFieldEvent> {
    return streamMessage(buf, JoinRequest.codec(), opts)
  }
}

export interface JoinResponse {
  status: JoinResponse.Status
  code: string
  reason: string
  identityToken: string
  record?: PeerRecord
  retryAfterMs: number
}

export namespace JoinResponse {
  export enum Status {
    ACK = 'ACK',
    NACK = 'NACK',
    DEFERRED = 'DEFERRED'
  }

  enum __StatusValues {
    ACK = 0,
    NACK = 1,
    DEFERRED = 2
  }

  export namespace Status {
    export const codec = (): Codec<Status> => {
      return enumeration<Status>(__StatusValues)
    }
  }

  let _codec: Codec<JoinResponse>

  export const codec = (): Codec<JoinResponse> => {
    if (_codec == null) {
      _codec = message<JoinResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          JoinResponse.Status.codec().encode(obj.status, w)
        }

        if ((obj.code != null && obj.code !== '')) {
          w.uint32(18)
          w.string(obj.code)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(26)
          w.string(obj.reason)
        }

        if ((obj.identityToken != null && obj.identityToken !== '')) {
          w.uint32(34)
          w.string(obj.identityToken)
        }

        if (obj.record != null) {
          w.uint32(42)
          PeerRecord.codec().encode(obj.record, w)
        }

        if ((obj.retryAfterMs != null && obj.retryAfterMs !== 0)) {
          w.uint32(48)
          w.uint32(obj.retryAfterMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: Status.ACK,
          code: '',
          reason: '',
          identityToken: '',
          retryAfterMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = JoinResponse.Status.codec().decode(reader)
              break
            }
            case 2: {
              obj.code = reader.string()
              break
            }
            case 3: {
              obj.reason = reader.string()
              break
            }
            case 4: {
              obj.identityToken = reader.string()
              break
            }
            case 5: {
              obj.record = PeerRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.record
              })
              break
            }
            case 6: {
              obj.retryAfterMs = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.status`,
                value: JoinResponse.Status.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.code`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.identityToken`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield * PeerRecord.codec().stream(reader, reader.uint32(), `${prefix}.record`, {
                limits: opts.limits?.record
              })

              break
            }
            case 6: {
              yield {
                field: `${prefix}.retryAfterMs`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface JoinResponseStatusFieldEvent {
    field: '$.status'
    value: JoinResponse.Status
  }

  export interface JoinResponseCodeFieldEvent {
    field: '$.code'
    value: string
  }

  export interface JoinResponseReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export interface JoinResponseIdentityTokenFieldEvent {
    field: '$.identityToken'
    value: string
  }

  export interface JoinResponseRecordNodeTokenFieldEvent {
    field: '$.record.nodeToken'
    value: string
  }

  export interface JoinResponseRecordAddrsFieldEvent {
    field: '$.record.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface JoinResponseRecordSeqFieldEvent {
    field: '$.record.seq'
    value: bigint
  }

  export interface JoinResponseRecordSignatureFieldEvent {
    field: '$.record.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface JoinResponseRecordWakeAwakeMsFieldEvent {
    field: '$.record.wake.awakeMs'
    value: number
  }

  export interface JoinResponseRecordWakePeriodMsFieldEvent {
    field: '$.record.wake.periodMs'
    value: number
  }

  export interface JoinResponseRecordWakeAnchorMsFieldEvent {
    field: '$.record.wake.anchorMs'
    value: bigint
  }

  export interface JoinResponseRecordWakeOnDataFieldEvent {
    field: '$.record.wake.onData'
    value: boolean
  }

  export interface JoinResponseRetryAfterMsFieldEvent {
    field: '$.retryAfterMs'
    value: number
  }

  export function encode (obj: Partial<JoinResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, JoinResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<JoinResponse>): JoinResponse {
    return decodeMessage(buf, JoinResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<JoinResponse>): Generator<JoinResponseStatusFieldEvent | JoinResponseCodeFieldEvent | JoinResponseReasonFieldEvent | JoinResponseIdentityTokenFieldEvent | JoinResponseRecordNodeTokenFieldEvent | JoinResponseRecordAddrsFieldEvent | JoinResponseRecordSeqFieldEvent | JoinResponseRecordSignatureFieldEvent | JoinResponseRecordWakeAwakeMsFieldEvent | JoinResponseRecordWakePeriodMsFieldEvent | JoinResponseRecordWakeAnchorMsFieldEvent | JoinResponseRecordWakeOnDataFieldEvent | JoinResponseRetryAfterMsFieldEvent> {
    return streamMessage(buf, JoinResponse.codec(), opts)
  }
}

export interface PeersRequest {
  type: PeersRequest.Type
  records: PeerRecord[]
  key: Uint8Array<ArrayBuffer>
  count: number
  code: string
  reason: string
  revocations: Revocation[]
  revocationSeq: bigint
  epochs: Epoch[]
  epoch: bigint
  held: HeldRecord[]
}

export namespace PeersRequest {
  export enum Type {
    UPDATE = 'UPDATE',
    NLIST = 'NLIST',
    LEAVE = 'LEAVE',
    DISCONNECT = 'DISCONNECT',
    PIGGY = 'PIGGY',
    KEEPALIVE = 'KEEPALIVE',
    NOTICES = 'NOTICES',
    AVAIL = 'AVAIL',
    SLEEP = 'SLEEP'
  }

  enum __TypeValues {
    UPDATE = 0,
    NLIST = 1,
    LEAVE = 2,
    DISCONNECT = 3,
    PIGGY = 4,
    KEEPALIVE = 5,
    NOTICES = 6,
    AVAIL = 7,
    SLEEP = 8
  }

  export namespace Type {
    export const codec = (): Codec<Type> => {
      return enumeration<Type>(__TypeValues)
    }
  }

  let _codec: Codec<PeersRequest>

  export const codec = (): Codec<PeersRequest> => {
    if (_codec == null) {
      _codec = message<PeersRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __TypeValues[obj.type] !== 0) {
          w.uint32(8)
          PeersRequest.Type.codec().encode(obj.type, w)
        }

        if (obj.records != null && obj.records.length > 0) {
          for (const value of obj.records) {
            w.uint32(18)
            PeerRecord.codec().encode(value, w)
          }
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.key)
        }

        if ((obj.count != null && obj.count !== 0)) {
          w.uint32(32)
          w.uint32(obj.count)
        }

        if ((obj.code != null && obj.code !== '')) {
          w.uint32(42)
          w.string(obj.code)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(50)
          w.string(obj.reason)
        }

        if (obj.revocations != null && obj.revocations.length > 0) {
          for (const value of obj.revocations) {
            w.uint32(58)
            Revocation.codec().encode(value, w)
          }
        }

        if ((obj.revocationSeq != null && obj.revocationSeq !== 0n)) {
          w.uint32(64)
          w.uint64(obj.revocationSeq)
        }

        if (obj.epochs != null && obj.epochs.length > 0) {
          for (const value of obj.epochs) {
            w.uint32(74)
            Epoch.codec().encode(value, w)
          }
        }

        if ((obj.epoch != null && obj.epoch !== 0n)) {
          w.uint32(80)
          w.uint64(obj.epoch)
        }

        if (obj.held != null && obj.held.length > 0) {
          for (const value of obj.held) {
            w.uint32(90)
            HeldRecord.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: Type.UPDATE,
          records: [],
          key: uint8ArrayAlloc(0),
          count: 0,
          code: '',
          reason: '',
          revocations: [],
          revocationSeq: 0n,
          epochs: [],
          epoch: 0n,
          held: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = PeersRequest.Type.codec().decode(reader)
              break
            }
            case 2: {
              if (opts.limits?.records != null && obj.records.length === opts.limits.records) {
                throw new MaxLengthError('Decode error - repeated field "records" had too many elements')
              }

              obj.records.push(PeerRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.records$
              }))
              break
            }
            case 3: {
              obj.key = reader.bytes()
              break
            }
            case 4: {
              obj.count = reader.uint32()
              break
            }
            case 5: {
              obj.code = reader.string()
              break
            }
            case 6: {
              obj.reason = reader.string()
              break
            }
            case 7: {
              if (opts.limits?.revocations != null && obj.revocations.length === opts.limits.revocations) {
                throw new MaxLengthError('Decode error - repeated field "revocations" had too many elements')
              }

              obj.revocations.push(Revocation.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.revocations$
              }))
              break
            }
            case 8: {
              obj.revocationSeq = reader.uint64()
              break
            }
            case 9: {
              if (opts.limits?.epochs != null && obj.epochs.length === opts.limits.epochs) {
                throw new MaxLengthError('Decode error - repeated field "epochs" had too many elements')
              }

              obj.epochs.push(Epoch.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.epochs$
              }))
              break
            }
            case 10: {
              obj.epoch = reader.uint64()
              break
            }
            case 11: {
              if (opts.limits?.held != null && obj.held.length === opts.limits.held) {
                throw new MaxLengthError('Decode error - repeated field "held" had too many elements')
              }

              obj.held.push(HeldRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.held$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          records: 0,
          revocations: 0,
          epochs: 0,
          held: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.type`,
                value: PeersRequest.Type.codec().decode(reader)
              }
              break
            }
            case 2: {
              if (opts.limits?.records != null && obj.records === opts.limits.records) {
                throw new MaxLengthError('Streaming decode error - repeated field "records" had too many elements')
              }

              for (const evt of PeerRecord.codec().stream(reader, reader.uint32(), `${prefix}.records[]`, {
                limits: opts.limits?.records$
              })) {
                yield {
                  ...evt,
                  index: obj.records
                }
              }

              obj.records++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.key`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.count`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.code`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
              }
              break
            }
            case 7: {
              if (opts.limits?.revocations != null && obj.revocations === opts.limits.revocations) {
                throw new MaxLengthError('Streaming decode error - repeated field "revocations" had too many elements')
              }

              for (const evt of Revocation.codec().stream(reader, reader.uint32(), `${prefix}.revocations[]`, {
                limits: opts.limits?.revocations$
              })) {
                yield {
                  ...evt,
                  index: obj.revocations
                }
              }

              obj.revocations++

              break
            }
            case 8: {
              yield {
                field: `${prefix}.revocationSeq`,
                value: reader.uint64()
              }
              break
            }
            case 9: {
              if (opts.limits?.epochs != null && obj.epochs === opts.limits.epochs) {
                throw new MaxLengthError('Streaming decode error - repeated field "epochs" had too many elements')
              }

              for (const evt of Epoch.codec().stream(reader, reader.uint32(), `${prefix}.epochs[]`, {
                limits: opts.limits?.epochs$
              })) {
                yield {
                  ...evt,
                  index: obj.epochs
                }
              }

              obj.epochs++

              break
            }
            case 10: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint64()
              }
              break
            }
            case 11: {
              if (opts.limits?.held != null && obj.held === opts.limits.held) {
                throw new MaxLengthError('Streaming decode error - repeated field "held" had too many elements')
              }

              for (const evt of HeldRecord.codec().stream(reader, reader.uint32(), `${prefix}.held[]`, {
                limits: opts.limits?.held$
              })) {
                yield {
                  ...evt,
                  index: obj.held
                }
              }

              obj.held++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PeersRequestTypeFieldEvent {
    field: '$.type'
    value: PeersRequest.Type
  }

  export interface PeersRequestRecordsNodeTokenFieldEvent {
    field: '$.records[].nodeToken'
    value: string
    index: number
  }

  export interface PeersRequestRecordsAddrsFieldEvent {
    field: '$.records[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface PeersRequestRecordsSeqFieldEvent {
    field: '$.records[].seq'
    value: bigint
    index: number
  }

  export interface PeersRequestRecordsSignatureFieldEvent {
    field: '$.records[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PeersRequestRecordsWakeAwakeMsFieldEvent {
    field: '$.records[].wake.awakeMs'
    value: number
    index: number
  }

  export interface PeersRequestRecordsWakePeriodMsFieldEvent {
    field: '$.records[].wake.periodMs'
    value: number
    index: number
  }

  export interface PeersRequestRecordsWakeAnchorMsFieldEvent {
    field: '$.records[].wake.anchorMs'
    value: bigint
    index: number
  }

  export interface PeersRequestRecordsWakeOnDataFieldEvent {
    field: '$.records[].wake.onData'
    value: boolean
    index: number
  }

  export interface PeersRequestKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PeersRequestCountFieldEvent {
    field: '$.count'
    value: number
  }

  export interface PeersRequestCodeFieldEvent {
    field: '$.code'
    value: string
  }

  export interface PeersRequestReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export interface PeersRequestRevocationsSeqFieldEvent {
    field: '$.revocations[].seq'
    value: bigint
    index: number
  }

  export interface PeersRequestRevocationsJtiFieldEvent {
    field: '$.revocations[].jti'
    value: string
    index: number
  }

  export interface PeersRequestRevocationsPeerFieldEvent {
    field: '$.revocations[].peer'
    value: string
    index: number
  }

  export interface PeersRequestRevocationsRevokedAtMsFieldEvent {
    field: '$.revocations[].revokedAtMs'
    value: bigint
    index: number
  }

  export interface PeersRequestRevocationsUntilMsFieldEvent {
    field: '$.revocations[].untilMs'
    value: bigint
    index: number
  }

  export interface PeersRequestRevocationsReasonFieldEvent {
    field: '$.revocations[].reason'
    value: string
    index: number
  }

  export interface PeersRequestRevocationsSignatureFieldEvent {
    field: '$.revocations[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PeersRequestRevocationSeqFieldEvent {
    field: '$.revocationSeq'
    value: bigint
  }

  export interface PeersRequestEpochsEpochFieldEvent {
    field: '$.epochs[].epoch'
    value: bigint
    index: number
  }

  export interface PeersRequestEpochsStartsAtMsFieldEvent {
    field: '$.epochs[].startsAtMs'
    value: bigint
    index: number
  }

  export interface PeersRequestEpochsOverlapMsFieldEvent {
    field: '$.epochs[].overlapMs'
    value: bigint
    index: number
  }

  export interface PeersRequestEpochsSaltFieldEvent {
    field: '$.epochs[].salt'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PeersRequestEpochsSignatureFieldEvent {
    field: '$.epochs[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PeersRequestEpochFieldEvent {
    field: '$.epoch'
    value: bigint
  }

  export interface PeersRequestHeldFingerprintFieldEvent {
    field: '$.held[].fingerprint'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PeersRequestHeldSeqFieldEvent {
    field: '$.held[].seq'
    value: bigint
    index: number
  }

  export function encode (obj: Partial<PeersRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PeersRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeersRequest>): PeersRequest {
    return decodeMessage(buf, PeersRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeersRequest>): Generator<PeersRequestTypeFieldEvent | PeersRequestRecordsNodeTokenFieldEvent | PeersRequestRecordsAddrsFieldEvent | PeersRequestRecordsSeqFieldEvent | PeersRequestRecordsSignatureFieldEvent | PeersRequestRecordsWakeAwakeMsFieldEvent | PeersRequestRecordsWakePeriodMsFieldEvent | PeersRequestRecordsWakeAnchorMsFieldEvent | PeersRequestRecordsWakeOnDataFieldEvent | PeersRequestKeyFieldEvent | PeersRequestCountFieldEvent | PeersRequestCodeFieldEvent | PeersRequestReasonFieldEvent | PeersRequestRevocationsSeqFieldEvent | PeersRequestRevocationsJtiFieldEvent | PeersRequestRevocationsPeerFieldEvent | PeersRequestRevocationsRevokedAtMsFieldEvent | PeersRequestRevocationsUntilMsFieldEvent | PeersRequestRevocationsReasonFieldEvent | PeersRequestRevocationsSignatureFieldEvent | PeersRequestRevocationSeqFieldEvent | PeersRequestEpochsEpochFieldEvent | PeersRequestEpochsStartsAtMsFieldEvent | PeersRequestEpochsOverlapMsFieldEvent | PeersRequestEpochsSaltFieldEvent | PeersRequestEpochsSignatureFieldEvent | PeersRequestEpochFieldEvent | PeersRequestHeldFingerprintFieldEvent | PeersRequestHeldSeqFieldEvent> {
    return streamMessage(buf, PeersRequest.codec(), opts)
  }
}

export interface HeldRecord {
  fingerprint: Uint8Array<ArrayBuffer>
  seq: bigint
}

export namespace HeldRecord {
  let _codec: Codec<HeldRecord>

  export const codec = (): Codec<HeldRecord> => {
    if (_codec == null) {
      _codec = message<HeldRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.fingerprint != null && obj.fingerprint.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.fingerprint)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(16)
          w.uint64(obj.seq)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          fingerprint: uint8ArrayAlloc(0),
          seq: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.fingerprint = reader.bytes()
              break
            }
            case 2: {
              obj.seq = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.fingerprint`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface HeldRecordFingerprintFieldEvent {
    field: '$.fingerprint'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HeldRecordSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export function encode (obj: Partial<HeldRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, HeldRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HeldRecord>): HeldRecord {
    return decodeMessage(buf, HeldRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HeldRecord>): Generator<HeldRecordFingerprintFieldEvent | HeldRecordSeqFieldEvent> {
    return streamMessage(buf, HeldRecord.codec(), opts)
  }
}

export interface PeersResponse {
  records: PeerRecord[]
  error?: WireError
  revocations: Revocation[]
  revocationSeq: bigint
  epochs: Epoch[]
  epoch: bigint
  pending?: boolean
}

export namespace PeersResponse {
  let _codec: Codec<PeersResponse>

  export const codec = (): Codec<PeersResponse> => {
    if (_codec == null) {
      _codec = message<PeersResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.records != null && obj.records.length > 0) {
          for (const value of obj.records) {
            w.uint32(10)
            PeerRecord.codec().encode(value, w)
          }
        }

        if (obj.error != null) {
          w.uint32(18)
          WireError.codec().encode(obj.error, w)
        }

        if (obj.revocations != null && obj.revocations.length > 0) {
          for (const value of obj.revocations) {
            w.uint32(26)
            Revocation.codec().encode(value, w)
          }
        }

        if ((obj.revocationSeq != null && obj.revocationSeq !== 0n)) {
          w.uint32(32)
          w.uint64(obj.revocationSeq)
        }

        if (obj.epochs != null && obj.epochs.length > 0) {
          for (const value of obj.epochs) {
            w.uint32(42)
            Epoch.codec().encode(value, w)
          }
        }

        if ((obj.epoch != null && obj.epoch !== 0n)) {
          w.uint32(48)
          w.uint64(obj.epoch)
        }

        if (obj.pending != null) {
          w.uint32(56)
          w.bool(obj.pending)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          records: [],
          revocations: [],
          revocationSeq: 0n,
          epochs: [],
          epoch: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.records != null && obj.records.length === opts.limits.records) {
                throw new MaxLengthError('Decode error - repeated field "records" had too many elements')
              }

              obj.records.push(PeerRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.records$
              }))
              break
            }
            case 2: {
              obj.error = WireError.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.error
              })
              break
            }
            case 3: {
              if (opts.limits?.revocations != null && obj.revocations.length === opts.limits.revocations) {
                throw new MaxLengthError('Decode error - repeated field "revocations" had too many elements')
              }

              obj.revocations.push(Revocation.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.revocations$
              }))
              break
            }
            case 4: {
              obj.revocationSeq = reader.uint64()
              break
            }
            case 5: {
              if (opts.limits?.epochs != null && obj.epochs.length === opts.limits.epochs) {
                throw new MaxLengthError('Decode error - repeated field "epochs" had too many elements')
              }

              obj.epochs.push(Epoch.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.epochs$
              }))
              break
            }
            case 6: {
              obj.epoch = reader.uint64()
              break
            }
            case 7: {
              obj.pending = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          records: 0,
          revocations: 0,
          epochs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.records != null && obj.records === opts.limits.records) {
                throw new MaxLengthError('Streaming decode error - repeated field "records" had too many elements')
              }

              for (const evt of PeerRecord.codec().stream(reader, reader.uint32(), `${prefix}.records[]`, {
                limits: opts.limits?.records$
              })) {
                yield {
                  ...evt,
                  index: obj.records
                }
              }

              obj.records++

              break
            }
            case 2: {
              yield * WireError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                limits: opts.limits?.error
              })

              break
            }
            case 3: {
              if (opts.limits?.revocations != null && obj.revocations === opts.limits.revocations) {
                throw new MaxLengthError('Streaming decode error - repeated field "revocations" had too many elements')
              }

              for (const evt of Revocation.codec().stream(reader, reader.uint32(), `${prefix}.revocations[]`, {
                limits: opts.limits?.revocations$
              })) {
                yield {
                  ...evt,
                  index: obj.revocations
                }
              }

              obj.revocations++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.revocationSeq`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              if (opts.limits?.epochs != null && obj.epochs === opts.limits.epochs) {
                throw new MaxLengthError('Streaming decode error - repeated field "epochs" had too many elements')
              }

              for (const evt of Epoch.codec().stream(reader, reader.uint32(), `${prefix}.epochs[]`, {
                limits: opts.limits?.epochs$
              })) {
                yield {
                  ...evt,
                  index: obj.epochs
                }
              }

              obj.epochs++

              break
            }
            case 6: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint64()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.pending`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PeersResponseRecordsNodeTokenFieldEvent {
    field: '$.records[].nodeToken'
    value: string
    index: number
  }

  export interface PeersResponseRecordsAddrsFieldEvent {
    field: '$.records[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface PeersResponseRecordsSeqFieldEvent {
    field: '$.records[].seq'
    value: bigint
    index: number
  }

  export interface PeersResponseRecordsSignatureFieldEvent {
    field: '$.records[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PeersResponseRecordsWakeAwakeMsFieldEvent {
    field: '$.records[].wake.awakeMs'
    value: number
    index: number
  }

  export interface PeersResponseRecordsWakePeriodMsFieldEvent {
    field: '$.records[].wake.periodMs'
    value: number
    index: number
  }

  export interface PeersResponseRecordsWakeAnchorMsFieldEvent {
    field: '$.records[].wake.anchorMs'
    value: bigint
    index: number
  }

  export interface PeersResponseRecordsWakeOnDataFieldEvent {
    field: '$.records[].wake.onData'
    value: boolean
    index: number
  }

  export interface PeersResponseErrorCodeFieldEvent {
    field: '$.error.code'
    value: string
  }

  export interface PeersResponseErrorReasonFieldEvent {
    field: '$.error.reason'
    value: string
  }

  export interface PeersResponseRevocationsSeqFieldEvent {
    field: '$.revocations[].seq'
    value: bigint
    index: number
  }

  export interface PeersResponseRevocationsJtiFieldEvent {
    field: '$.revocations[].jti'
    value: string
    index: number
  }

  export interface PeersResponseRevocationsPeerFieldEvent {
    field: '$.revocations[].peer'
    value: string
    index: number
  }

  export interface PeersResponseRevocationsRevokedAtMsFieldEvent {
    field: '$.revocations[].revokedAtMs'
    value: bigint
    index: number
  }

  export interface PeersResponseRevocationsUntilMsFieldEvent {
    field: '$.revocations[].untilMs'
    value: bigint
    index: number
  }

  export interface PeersResponseRevocationsReasonFieldEvent {
    field: '$.revocations[].reason'
    value: string
    index: number
  }

  export interface PeersResponseRevocationsSignatureFieldEvent {
    field: '$.revocations[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PeersResponseRevocationSeqFieldEvent {
    field: '$.revocationSeq'
    value: bigint
  }

  export interface PeersResponseEpochsEpochFieldEvent {
    field: '$.epochs[].epoch'
    value: bigint
    index: number
  }

  export interface PeersResponseEpochsStartsAtMsFieldEvent {
    field: '$.epochs[].startsAtMs'
    value: bigint
    index: number
  }

  export interface PeersResponseEpochsOverlapMsFieldEvent {
    field: '$.epochs[].overlapMs'
    value: bigint
    index: number
  }

  export interface PeersResponseEpochsSaltFieldEvent {
    field: '$.epochs[].salt'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PeersResponseEpochsSignatureFieldEvent {
    field: '$.epochs[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PeersResponseEpochFieldEvent {
    field: '$.epoch'
    value: bigint
  }

  export interface PeersResponsePendingFieldEvent {
    field: '$.pending'
    value: boolean
  }

  export function encode (obj: Partial<PeersResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PeersResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeersResponse>): PeersResponse {
    return decodeMessage(buf, PeersResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeersResponse>): Generator<PeersResponseRecordsNodeTokenFieldEvent | PeersResponseRecordsAddrsFieldEvent | PeersResponseRecordsSeqFieldEvent | PeersResponseRecordsSignatureFieldEvent | PeersResponseRecordsWakeAwakeMsFieldEvent | PeersResponseRecordsWakePeriodMsFieldEvent | PeersResponseRecordsWakeAnchorMsFieldEvent | PeersResponseRecordsWakeOnDataFieldEvent | PeersResponseErrorCodeFieldEvent | PeersResponseErrorReasonFieldEvent | PeersResponseRevocationsSeqFieldEvent | PeersResponseRevocationsJtiFieldEvent | PeersResponseRevocationsPeerFieldEvent | PeersResponseRevocationsRevokedAtMsFieldEvent | PeersResponseRevocationsUntilMsFieldEvent | PeersResponseRevocationsReasonFieldEvent | PeersResponseRevocationsSignatureFieldEvent | PeersResponseRevocationSeqFieldEvent | PeersResponseEpochsEpochFieldEvent | PeersResponseEpochsStartsAtMsFieldEvent | PeersResponseEpochsOverlapMsFieldEvent | PeersResponseEpochsSaltFieldEvent | PeersResponseEpochsSignatureFieldEvent | PeersResponseEpochFieldEvent | PeersResponsePendingFieldEvent> {
    return streamMessage(buf, PeersResponse.codec(), opts)
  }
}

export interface LeaderRequest {
  type: LeaderRequest.Type
  joinProof: Uint8Array<ArrayBuffer>
  ttlSeconds: number
  attributes: Map<string, string>
  identityToken: string
  requestId: string
  invitationId: string
  subject: string
  send: boolean
  receive: boolean
}

export namespace LeaderRequest {
  export enum Type {
    TOKEN = 'TOKEN',
    DEFER = 'DEFER',
    STATUS = 'STATUS',
    CANCEL = 'CANCEL',
    AUTHORIZE = 'AUTHORIZE'
  }

  enum __TypeValues {
    TOKEN = 0,
    DEFER = 1,
    STATUS = 2,
    CANCEL = 3,
    AUTHORIZE = 4
  }

  export namespace Type {
    export const codec = (): Codec<Type> => {
      return enumeration<Type>(__TypeValues)
    }
  }

  export interface LeaderRequest$attributesEntry {
    key: string
    value: string
  }

  export namespace LeaderRequest$attributesEntry {
    let _codec: Codec<LeaderRequest$attributesEntry>

    export const codec = (): Codec<LeaderRequest$attributesEntry> => {
      if (_codec == null) {
        _codec = message<LeaderRequest$attributesEntry>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.key != null && obj.key !== '')) {
            w.uint32(10)
            w.string(obj.key)
          }

          if ((obj.value != null && obj.value !== '')) {
            w.uint32(18)
            w.string(obj.value)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            key: '',
            value: ''
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.key = reader.string()
                break
              }
              case 2: {
                obj.value = reader.string()
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }

          return obj
        }, function * (reader, length, prefix, opts = {}) {
          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                yield {
                  field: `${prefix}.key`,
                  value: reader.string()
                }
                break
              }
              case 2: {
                yield {
                  field: `${prefix}.value`,
                  value: reader.string()
                }
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }
        })
      }

      return _codec
    }

    export interface LeaderRequest$attributesEntryKeyFieldEvent {
      field: '$.key'
      value: string
    }

    export interface LeaderRequest$attributesEntryValueFieldEvent {
      field: '$.value'
      value: string
    }

    export function encode (obj: Partial<LeaderRequest$attributesEntry>): Uint8Array<ArrayBuffer> {
      return encodeMessage(obj, LeaderRequest$attributesEntry.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaderRequest$attributesEntry>): LeaderRequest$attributesEntry {
      return decodeMessage(buf, LeaderRequest$attributesEntry.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaderRequest$attributesEntry>): Generator<LeaderRequest$attributesEntryKeyFieldEvent | LeaderRequest$attributesEntryValueFieldEvent> {
      return streamMessage(buf, LeaderRequest$attributesEntry.codec(), opts)
    }
  }

  let _codec: Codec<LeaderRequest>

  export const codec = (): Codec<LeaderRequest> => {
    if (_codec == null) {
      _codec = message<LeaderRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __TypeValues[obj.type] !== 0) {
          w.uint32(8)
          LeaderRequest.Type.codec().encode(obj.type, w)
        }

        if ((obj.joinProof != null && obj.joinProof.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.joinProof)
        }

        if ((obj.ttlSeconds != null && obj.ttlSeconds !== 0)) {
          w.uint32(24)
          w.uint32(obj.ttlSeconds)
        }

        if (obj.attributes != null && obj.attributes.size > 0) {
          for (const [key, value] of obj.attributes.entries()) {
            w.uint32(34)
            LeaderRequest.LeaderRequest$attributesEntry.codec().encode({ key, value }, w)
          }
        }

        if ((obj.identityToken != null && obj.identityToken !== '')) {
          w.uint32(42)
          w.string(obj.identityToken)
        }

        if ((obj.requestId != null && obj.requestId !== '')) {
          w.uint32(50)
          w.string(obj.requestId)
        }

        if ((obj.invitationId != null && obj.invitationId !== '')) {
          w.uint32(58)
          w.string(obj.invitationId)
        }

        if ((obj.subject != null && obj.subject !== '')) {
          w.uint32(66)
          w.string(obj.subject)
        }

        if ((obj.send != null && obj.send !== false)) {
          w.uint32(72)
          w.bool(obj.send)
        }

        if ((obj.receive != null && obj.receive !== false)) {
          w.uint32(80)
          w.bool(obj.receive)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: Type.TOKEN,
          joinProof: uint8ArrayAlloc(0),
          ttlSeconds: 0,
          attributes: new Map<string, string>(),
          identityToken: '',
          requestId: '',
          invitationId: '',
          subject: '',
          send: false,
          receive: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = LeaderRequest.Type.codec().decode(reader)
              break
            }
            case 2: {
              obj.joinProof = reader.bytes()
              break
            }
            case 3: {
              obj.ttlSeconds = reader.uint32()
              break
            }
            case 4: {
              if (opts.limits?.attributes != null && obj.attributes.size === opts.limits.attributes) {
                throw new MaxSizeError('Decode error - map field "attributes" had too many elements')
              }

              const entry = LeaderRequest.LeaderRequest$attributesEntry.codec().decode(reader, reader.uint32(), {
                limits: {
                  value: opts.limits?.attributes$value
                }
              })
              obj.attributes.set(entry.key, entry.value)
              break
            }
            case 5: {
              obj.identityToken = reader.string()
              break
            }
            case 6: {
              obj.requestId = reader.string()
              break
            }
            case 7: {
              obj.invitationId = reader.string()
              break
            }
            case 8: {
              obj.subject = reader.string()
              break
            }
            case 9: {
              obj.send = reader.bool()
              break
            }
            case 10: {
              obj.receive = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          attributes: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.type`,
                value: LeaderRequest.Type.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.joinProof`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.ttlSeconds`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              if (opts.limits?.attributes != null && obj.attributes === opts.limits.attributes) {
                throw new MaxLengthError('Decode error - map field "attributes" had too many elements')
              }

              yield * LeaderRequest.LeaderRequest$attributesEntry.codec().stream(reader, reader.uint32(), `${prefix}.attributes{}`, {
                limits: {
                  value: opts.limits?.attributes$value
                }
              })

              obj.attributes++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.identityToken`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.requestId`,
                value: reader.string()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.invitationId`,
                value: reader.string()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.subject`,
                value: reader.string()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.send`,
                value: reader.bool()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.receive`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface LeaderRequestTypeFieldEvent {
    field: '$.type'
    value: LeaderRequest.Type
  }

  export interface LeaderRequestJoinProofFieldEvent {
    field: '$.joinProof'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LeaderRequestTtlSecondsFieldEvent {
    field: '$.ttlSeconds'
    value: number
  }

  export interface LeaderRequestAttributesFieldEvent {
    field: '$.attributes{}'
    key: string
    value: string
  }

  export interface LeaderRequestIdentityTokenFieldEvent {
    field: '$.identityToken'
    value: string
  }

  export interface LeaderRequestRequestIdFieldEvent {
    field: '$.requestId'
    value: string
  }

  export interface LeaderRequestInvitationIdFieldEvent {
    field: '$.invitationId'
    value: string
  }

  export interface LeaderRequestSubjectFieldEvent {
    field: '$.subject'
    value: string
  }

  export interface LeaderRequestSendFieldEvent {
    field: '$.send'
    value: boolean
  }

  export interface LeaderRequestReceiveFieldEvent {
    field: '$.receive'
    value: boolean
  }

  export function encode (obj: Partial<LeaderRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LeaderRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaderRequest>): LeaderRequest {
    return decodeMessage(buf, LeaderRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaderRequest>): Generator<LeaderRequestTypeFieldEvent | LeaderRequestJoinProofFieldEvent | LeaderRequestTtlSecondsFieldEvent | LeaderRequestAttributesFieldEvent | LeaderRequestIdentityTokenFieldEvent | LeaderRequestRequestIdFieldEvent | LeaderRequestInvitationIdFieldEvent | LeaderRequestSubjectFieldEvent | LeaderRequestSendFieldEvent | LeaderRequestReceiveFieldEvent> {
    return streamMessage(buf, LeaderRequest.codec(), opts)
  }
}

export interface LeaderResponse {
  status: LeaderResponse.Status
  token: string
  requestId: string
  code: string
  reason: string
  retryAfterMs: number
  validForMs: number
}

export namespace LeaderResponse {
  export enum Status {
    ISSUED = 'ISSUED',
    PENDING = 'PENDING',
    DENIED = 'DENIED',
    APPROVED = 'APPROVED',
    CANCELLED = 'CANCELLED'
  }

  enum __StatusValues {
    ISSUED = 0,
    PENDING = 1,
    DENIED = 2,
    APPROVED = 3,
    CANCELLED = 4
  }

  export namespace Status {
    export const codec = (): Codec<Status> => {
      return enumeration<Status>(__StatusValues)
    }
  }

  let _codec: Codec<LeaderResponse>

  export const codec = (): Codec<LeaderResponse> => {
    if (_codec == null) {
      _codec = message<LeaderResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          LeaderResponse.Status.codec().encode(obj.status, w)
        }

        if ((obj.token != null && obj.token !== '')) {
          w.uint32(18)
          w.string(obj.token)
        }

        if ((obj.requestId != null && obj.requestId !== '')) {
          w.uint32(26)
          w.string(obj.requestId)
        }

        if ((obj.code != null && obj.code !== '')) {
          w.uint32(34)
          w.string(obj.code)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(42)
          w.string(obj.reason)
        }

        if ((obj.retryAfterMs != null && obj.retryAfterMs !== 0)) {
          w.uint32(48)
          w.uint32(obj.retryAfterMs)
        }

        if ((obj.validForMs != null && obj.validForMs !== 0)) {
          w.uint32(56)
          w.uint32(obj.validForMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: Status.ISSUED,
          token: '',
          requestId: '',
          code: '',
          reason: '',
          retryAfterMs: 0,
          validForMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = LeaderResponse.Status.codec().decode(reader)
              break
            }
            case 2: {
              obj.token = reader.string()
              break
            }
            case 3: {
              obj.requestId = reader.string()
              break
            }
            case 4: {
              obj.code = reader.string()
              break
            }
            case 5: {
              obj.reason = reader.string()
              break
            }
            case 6: {
              obj.retryAfterMs = reader.uint32()
              break
            }
            case 7: {
              obj.validForMs = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.status`,
                value: LeaderResponse.Status.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.token`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.requestId`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.code`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.retryAfterMs`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.validForMs`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface LeaderResponseStatusFieldEvent {
    field: '$.status'
    value: LeaderResponse.Status
  }

  export interface LeaderResponseTokenFieldEvent {
    field: '$.token'
    value: string
  }

  export interface LeaderResponseRequestIdFieldEvent {
    field: '$.requestId'
    value: string
  }

  export interface LeaderResponseCodeFieldEvent {
    field: '$.code'
    value: string
  }

  export interface LeaderResponseReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export interface LeaderResponseRetryAfterMsFieldEvent {
    field: '$.retryAfterMs'
    value: number
  }

  export interface LeaderResponseValidForMsFieldEvent {
    field: '$.validForMs'
    value: number
  }

  export function encode (obj: Partial<LeaderResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LeaderResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaderResponse>): LeaderResponse {
    return decodeMessage(buf, LeaderResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaderResponse>): Generator<LeaderResponseStatusFieldEvent | LeaderResponseTokenFieldEvent | LeaderResponseRequestIdFieldEvent | LeaderResponseCodeFieldEvent | LeaderResponseReasonFieldEvent | LeaderResponseRetryAfterMsFieldEvent | LeaderResponseValidForMsFieldEvent> {
    return streamMessage(buf, LeaderResponse.codec(), opts)
  }
}

export interface Broadcast {
  nodeToken: string
  data: Uint8Array<ArrayBuffer>
}

export namespace Broadcast {
  let _codec: Codec<Broadcast>

  export const codec = (): Codec<Broadcast> => {
    if (_codec == null) {
      _codec = message<Broadcast>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.nodeToken != null && obj.nodeToken !== '')) {
          w.uint32(10)
          w.string(obj.nodeToken)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.data)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          nodeToken: '',
          data: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.nodeToken = reader.string()
              break
            }
            case 2: {
              obj.data = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.nodeToken`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface BroadcastNodeTokenFieldEvent {
    field: '$.nodeToken'
    value: string
  }

  export interface BroadcastDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Broadcast>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Broadcast.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Broadcast>): Broadcast {
    return decodeMessage(buf, Broadcast.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Broadcast>): Generator<BroadcastNodeTokenFieldEvent | BroadcastDataFieldEvent> {
    return streamMessage(buf, Broadcast.codec(), opts)
  }
}

export interface SubjectRequest {
  type: SubjectRequest.Type
  interestToken: string
  identityToken: string
  record?: PeerRecord
  key: Uint8Array<ArrayBuffer>
  epoch?: Epoch
}

export namespace SubjectRequest {
  export enum Type {
    REGISTER = 'REGISTER',
    WITHDRAW = 'WITHDRAW',
    MATCH = 'MATCH'
  }

  enum __TypeValues {
    REGISTER = 0,
    WITHDRAW = 1,
    MATCH = 2
  }

  export namespace Type {
    export const codec = (): Codec<Type> => {
      return enumeration<Type>(__TypeValues)
    }
  }

  let _codec: Codec<SubjectRequest>

  export const codec = (): Codec<SubjectRequest> => {
    if (_codec == null) {
      _codec = message<SubjectRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __TypeValues[obj.type] !== 0) {
          w.uint32(8)
          SubjectRequest.Type.codec().encode(obj.type, w)
        }

        if ((obj.interestToken != null && obj.interestToken !== '')) {
          w.uint32(18)
          w.string(obj.interestToken)
        }

        if ((obj.identityToken != null && obj.identityToken !== '')) {
          w.uint32(26)
          w.string(obj.identityToken)
        }

        if (obj.record != null) {
          w.uint32(34)
          PeerRecord.codec().encode(obj.record, w)
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.key)
        }

        if (obj.epoch != null) {
          w.uint32(50)
          Epoch.codec().encode(obj.epoch, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: Type.REGISTER,
          interestToken: '',
          identityToken: '',
          key: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = SubjectRequest.Type.codec().decode(reader)
              break
            }
            case 2: {
              obj.interestToken = reader.string()
              break
            }
            case 3: {
              obj.identityToken = reader.string()
              break
            }
            case 4: {
              obj.record = PeerRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.record
              })
              break
            }
            case 5: {
              obj.key = reader.bytes()
              break
            }
            case 6: {
              obj.epoch = Epoch.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.epoch
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.type`,
                value: SubjectRequest.Type.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.interestToken`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.identityToken`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield * PeerRecord.codec().stream(reader, reader.uint32(), `${prefix}.record`, {
                limits: opts.limits?.record
              })

              break
            }
            case 5: {
              yield {
                field: `${prefix}.key`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield * Epoch.codec().stream(reader, reader.uint32(), `${prefix}.epoch`, {
                limits: opts.limits?.epoch
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SubjectRequestTypeFieldEvent {
    field: '$.type'
    value: SubjectRequest.Type
  }

  export interface SubjectRequestInterestTokenFieldEvent {
    field: '$.interestToken'
    value: string
  }

  export interface SubjectRequestIdentityTokenFieldEvent {
    field: '$.identityToken'
    value: string
  }

  export interface SubjectRequestRecordNodeTokenFieldEvent {
    field: '$.record.nodeToken'
    value: string
  }

  export interface SubjectRequestRecordAddrsFieldEvent {
    field: '$.record.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface SubjectRequestRecordSeqFieldEvent {
    field: '$.record.seq'
    value: bigint
  }

  export interface SubjectRequestRecordSignatureFieldEvent {
    field: '$.record.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SubjectRequestRecordWakeAwakeMsFieldEvent {
    field: '$.record.wake.awakeMs'
    value: number
  }

  export interface SubjectRequestRecordWakePeriodMsFieldEvent {
    field: '$.record.wake.periodMs'
    value: number
  }

  export interface SubjectRequestRecordWakeAnchorMsFieldEvent {
    field: '$.record.wake.anchorMs'
    value: bigint
  }

  export interface SubjectRequestRecordWakeOnDataFieldEvent {
    field: '$.record.wake.onData'
    value: boolean
  }

  export interface SubjectRequestKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SubjectRequestEpochEpochFieldEvent {
    field: '$.epoch.epoch'
    value: bigint
  }

  export interface SubjectRequestEpochStartsAtMsFieldEvent {
    field: '$.epoch.startsAtMs'
    value: bigint
  }

  export interface SubjectRequestEpochOverlapMsFieldEvent {
    field: '$.epoch.overlapMs'
    value: bigint
  }

  export interface SubjectRequestEpochSaltFieldEvent {
    field: '$.epoch.salt'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SubjectRequestEpochSignatureFieldEvent {
    field: '$.epoch.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SubjectRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SubjectRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SubjectRequest>): SubjectRequest {
    return decodeMessage(buf, SubjectRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SubjectRequest>): Generator<SubjectRequestTypeFieldEvent | SubjectRequestInterestTokenFieldEvent | SubjectRequestIdentityTokenFieldEvent | SubjectRequestRecordNodeTokenFieldEvent | SubjectRequestRecordAddrsFieldEvent | SubjectRequestRecordSeqFieldEvent | SubjectRequestRecordSignatureFieldEvent | SubjectRequestRecordWakeAwakeMsFieldEvent | SubjectRequestRecordWakePeriodMsFieldEvent | SubjectRequestRecordWakeAnchorMsFieldEvent | SubjectRequestRecordWakeOnDataFieldEvent | SubjectRequestKeyFieldEvent | SubjectRequestEpochEpochFieldEvent | SubjectRequestEpochStartsAtMsFieldEvent | SubjectRequestEpochOverlapMsFieldEvent | SubjectRequestEpochSaltFieldEvent | SubjectRequestEpochSignatureFieldEvent> {
    return streamMessage(buf, SubjectRequest.codec(), opts)
  }
}

export interface SubjectResponse {
  error?: WireError
}

export namespace SubjectResponse {
  let _codec: Codec<SubjectResponse>

  export const codec = (): Codec<SubjectResponse> => {
    if (_codec == null) {
      _codec = message<SubjectResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.error != null) {
          w.uint32(10)
          WireError.codec().encode(obj.error, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.error = WireError.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.error
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * WireError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                limits: opts.limits?.error
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SubjectResponseErrorCodeFieldEvent {
    field: '$.error.code'
    value: string
  }

  export interface SubjectResponseErrorReasonFieldEvent {
    field: '$.error.reason'
    value: string
  }

  export function encode (obj: Partial<SubjectResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SubjectResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SubjectResponse>): SubjectResponse {
    return decodeMessage(buf, SubjectResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SubjectResponse>): Generator<SubjectResponseErrorCodeFieldEvent | SubjectResponseErrorReasonFieldEvent> {
    return streamMessage(buf, SubjectResponse.codec(), opts)
  }
}

export interface MessageOpen {
  key: Uint8Array<ArrayBuffer>
  interestToken: string
  identityToken: string
  session: Uint8Array<ArrayBuffer>
  ephemeral: Uint8Array<ArrayBuffer>
}

export namespace MessageOpen {
  let _codec: Codec<MessageOpen>

  export const codec = (): Codec<MessageOpen> => {
    if (_codec == null) {
      _codec = message<MessageOpen>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.key)
        }

        if ((obj.interestToken != null && obj.interestToken !== '')) {
          w.uint32(18)
          w.string(obj.interestToken)
        }

        if ((obj.identityToken != null && obj.identityToken !== '')) {
          w.uint32(26)
          w.string(obj.identityToken)
        }

        if ((obj.session != null && obj.session.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.session)
        }

        if ((obj.ephemeral != null && obj.ephemeral.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.ephemeral)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          key: uint8ArrayAlloc(0),
          interestToken: '',
          identityToken: '',
          session: uint8ArrayAlloc(0),
          ephemeral: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.key = reader.bytes()
              break
            }
            case 2: {
              obj.interestToken = reader.string()
              break
            }
            case 3: {
              obj.identityToken = reader.string()
              break
            }
            case 4: {
              obj.session = reader.bytes()
              break
            }
            case 5: {
              obj.ephemeral = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.key`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.interestToken`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.identityToken`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.session`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.ephemeral`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface MessageOpenKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MessageOpenInterestTokenFieldEvent {
    field: '$.interestToken'
    value: string
  }

  export interface MessageOpenIdentityTokenFieldEvent {
    field: '$.identityToken'
    value: string
  }

  export interface MessageOpenSessionFieldEvent {
    field: '$.session'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MessageOpenEphemeralFieldEvent {
    field: '$.ephemeral'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<MessageOpen>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MessageOpen.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MessageOpen>): MessageOpen {
    return decodeMessage(buf, MessageOpen.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MessageOpen>): Generator<MessageOpenKeyFieldEvent | MessageOpenInterestTokenFieldEvent | MessageOpenIdentityTokenFieldEvent | MessageOpenSessionFieldEvent | MessageOpenEphemeralFieldEvent> {
    return streamMessage(buf, MessageOpen.codec(), opts)
  }
}

export interface MessageData {
  id: Uint8Array<ArrayBuffer>
  seq: bigint
  data: Uint8Array<ArrayBuffer>
  ack: MessageData.AckMode
  replySubject: string
  expiresAtMs: bigint
  lowSeq: bigint
  attrs: Map<string, string>
}

export namespace MessageData {
  export enum AckMode {
    NONE = 'NONE',
    DESTINATION = 'DESTINATION',
    APP = 'APP'
  }

  enum __AckModeValues {
    NONE = 0,
    DESTINATION = 1,
    APP = 2
  }

  export namespace AckMode {
    export const codec = (): Codec<AckMode> => {
      return enumeration<AckMode>(__AckModeValues)
    }
  }

  export interface MessageData$attrsEntry {
    key: string
    value: string
  }

  export namespace MessageData$attrsEntry {
    let _codec: Codec<MessageData$attrsEntry>

    export const codec = (): Codec<MessageData$attrsEntry> => {
      if (_codec == null) {
        _codec = message<MessageData$attrsEntry>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.key != null && obj.key !== '')) {
            w.uint32(10)
            w.string(obj.key)
          }

          if ((obj.value != null && obj.value !== '')) {
            w.uint32(18)
            w.string(obj.value)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            key: '',
            value: ''
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.key = reader.string()
                break
              }
              case 2: {
                obj.value = reader.string()
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }

          return obj
        }, function * (reader, length, prefix, opts = {}) {
          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                yield {
                  field: `${prefix}.key`,
                  value: reader.string()
                }
                break
              }
              case 2: {
                yield {
                  field: `${prefix}.value`,
                  value: reader.string()
                }
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }
        })
      }

      return _codec
    }

    export interface MessageData$attrsEntryKeyFieldEvent {
      field: '$.key'
      value: string
    }

    export interface MessageData$attrsEntryValueFieldEvent {
      field: '$.value'
      value: string
    }

    export function encode (obj: Partial<MessageData$attrsEntry>): Uint8Array<ArrayBuffer> {
      return encodeMessage(obj, MessageData$attrsEntry.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MessageData$attrsEntry>): MessageData$attrsEntry {
      return decodeMessage(buf, MessageData$attrsEntry.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MessageData$attrsEntry>): Generator<MessageData$attrsEntryKeyFieldEvent | MessageData$attrsEntryValueFieldEvent> {
      return streamMessage(buf, MessageData$attrsEntry.codec(), opts)
    }
  }

  let _codec: Codec<MessageData>

  export const codec = (): Codec<MessageData> => {
    if (_codec == null) {
      _codec = message<MessageData>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(16)
          w.uint64(obj.seq)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.data)
        }

        if (obj.ack != null && __AckModeValues[obj.ack] !== 0) {
          w.uint32(32)
          MessageData.AckMode.codec().encode(obj.ack, w)
        }

        if ((obj.replySubject != null && obj.replySubject !== '')) {
          w.uint32(42)
          w.string(obj.replySubject)
        }

        if ((obj.expiresAtMs != null && obj.expiresAtMs !== 0n)) {
          w.uint32(48)
          w.uint64(obj.expiresAtMs)
        }

        if ((obj.lowSeq != null && obj.lowSeq !== 0n)) {
          w.uint32(56)
          w.uint64(obj.lowSeq)
        }

        if (obj.attrs != null && obj.attrs.size > 0) {
          for (const [key, value] of obj.attrs.entries()) {
            w.uint32(66)
            MessageData.MessageData$attrsEntry.codec().encode({ key, value }, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          seq: 0n,
          data: uint8ArrayAlloc(0),
          ack: AckMode.NONE,
          replySubject: '',
          expiresAtMs: 0n,
          lowSeq: 0n,
          attrs: new Map<string, string>()
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
              break
            }
            case 2: {
              obj.seq = reader.uint64()
              break
            }
            case 3: {
              obj.data = reader.bytes()
              break
            }
            case 4: {
              obj.ack = MessageData.AckMode.codec().decode(reader)
              break
            }
            case 5: {
              obj.replySubject = reader.string()
              break
            }
            case 6: {
              obj.expiresAtMs = reader.uint64()
              break
            }
            case 7: {
              obj.lowSeq = reader.uint64()
              break
            }
            case 8: {
              if (opts.limits?.attrs != null && obj.attrs.size === opts.limits.attrs) {
                throw new MaxSizeError('Decode error - map field "attrs" had too many elements')
              }

              const entry = MessageData.MessageData$attrsEntry.codec().decode(reader, reader.uint32(), {
                limits: {
                  value: opts.limits?.attrs$value
                }
              })
              obj.attrs.set(entry.key, entry.value)
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          attrs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.ack`,
                value: MessageData.AckMode.codec().decode(reader)
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.replySubject`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.expiresAtMs`,
                value: reader.uint64()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.lowSeq`,
                value: reader.uint64()
              }
              break
            }
            case 8: {
              if (opts.limits?.attrs != null && obj.attrs === opts.limits.attrs) {
                throw new MaxLengthError('Decode error - map field "attrs" had too many elements')
              }

              yield * MessageData.MessageData$attrsEntry.codec().stream(reader, reader.uint32(), `${prefix}.attrs{}`, {
                limits: {
                  value: opts.limits?.attrs$value
                }
              })

              obj.attrs++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface MessageDataIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MessageDataSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface MessageDataDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MessageDataAckFieldEvent {
    field: '$.ack'
    value: MessageData.AckMode
  }

  export interface MessageDataReplySubjectFieldEvent {
    field: '$.replySubject'
    value: string
  }

  export interface MessageDataExpiresAtMsFieldEvent {
    field: '$.expiresAtMs'
    value: bigint
  }

  export interface MessageDataLowSeqFieldEvent {
    field: '$.lowSeq'
    value: bigint
  }

  export interface MessageDataAttrsFieldEvent {
    field: '$.attrs{}'
    key: string
    value: string
  }

  export function encode (obj: Partial<MessageData>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MessageData.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MessageData>): MessageData {
    return decodeMessage(buf, MessageData.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MessageData>): Generator<MessageDataIdFieldEvent | MessageDataSeqFieldEvent | MessageDataDataFieldEvent | MessageDataAckFieldEvent | MessageDataReplySubjectFieldEvent | MessageDataExpiresAtMsFieldEvent | MessageDataLowSeqFieldEvent | MessageDataAttrsFieldEvent> {
    return streamMessage(buf, MessageData.codec(), opts)
  }
}

export interface MessageAck {
  seq: bigint
  id: Uint8Array<ArrayBuffer>
  status: MessageAck.Status
  code: string
}

export namespace MessageAck {
  export enum Status {
    DELIVERED = 'DELIVERED',
    REJECTED = 'REJECTED'
  }

  enum __StatusValues {
    DELIVERED = 0,
    REJECTED = 1
  }

  export namespace Status {
    export const codec = (): Codec<Status> => {
      return enumeration<Status>(__StatusValues)
    }
  }

  let _codec: Codec<MessageAck>

  export const codec = (): Codec<MessageAck> => {
    if (_codec == null) {
      _codec = message<MessageAck>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(8)
          w.uint64(obj.seq)
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.id)
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(24)
          MessageAck.Status.codec().encode(obj.status, w)
        }

        if ((obj.code != null && obj.code !== '')) {
          w.uint32(34)
          w.string(obj.code)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          seq: 0n,
          id: uint8ArrayAlloc(0),
          status: Status.DELIVERED,
          code: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.seq = reader.uint64()
              break
            }
            case 2: {
              obj.id = reader.bytes()
              break
            }
            case 3: {
              obj.status = MessageAck.Status.codec().decode(reader)
              break
            }
            case 4: {
              obj.code = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.id`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.status`,
                value: MessageAck.Status.codec().decode(reader)
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.code`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface MessageAckSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface MessageAckIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MessageAckStatusFieldEvent {
    field: '$.status'
    value: MessageAck.Status
  }

  export interface MessageAckCodeFieldEvent {
    field: '$.code'
    value: string
  }

  export function encode (obj: Partial<MessageAck>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MessageAck.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MessageAck>): MessageAck {
    return decodeMessage(buf, MessageAck.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MessageAck>): Generator<MessageAckSeqFieldEvent | MessageAckIdFieldEvent | MessageAckStatusFieldEvent | MessageAckCodeFieldEvent> {
    return streamMessage(buf, MessageAck.codec(), opts)
  }
}

export interface MessageReply {
  error?: WireError
  maxData: number
  acks: MessageAck[]
}

export namespace MessageReply {
  let _codec: Codec<MessageReply>

  export const codec = (): Codec<MessageReply> => {
    if (_codec == null) {
      _codec = message<MessageReply>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.error != null) {
          w.uint32(10)
          WireError.codec().encode(obj.error, w)
        }

        if ((obj.maxData != null && obj.maxData !== 0)) {
          w.uint32(16)
          w.uint32(obj.maxData)
        }

        if (obj.acks != null && obj.acks.length > 0) {
          for (const value of obj.acks) {
            w.uint32(26)
            MessageAck.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          maxData: 0,
          acks: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.error = WireError.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.error
              })
              break
            }
            case 2: {
              obj.maxData = reader.uint32()
              break
            }
            case 3: {
              if (opts.limits?.acks != null && obj.acks.length === opts.limits.acks) {
                throw new MaxLengthError('Decode error - repeated field "acks" had too many elements')
              }

              obj.acks.push(MessageAck.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.acks$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          acks: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * WireError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                limits: opts.limits?.error
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.maxData`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              if (opts.limits?.acks != null && obj.acks === opts.limits.acks) {
                throw new MaxLengthError('Streaming decode error - repeated field "acks" had too many elements')
              }

              for (const evt of MessageAck.codec().stream(reader, reader.uint32(), `${prefix}.acks[]`, {
                limits: opts.limits?.acks$
              })) {
                yield {
                  ...evt,
                  index: obj.acks
                }
              }

              obj.acks++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface MessageReplyErrorCodeFieldEvent {
    field: '$.error.code'
    value: string
  }

  export interface MessageReplyErrorReasonFieldEvent {
    field: '$.error.reason'
    value: string
  }

  export interface MessageReplyMaxDataFieldEvent {
    field: '$.maxData'
    value: number
  }

  export interface MessageReplyAcksSeqFieldEvent {
    field: '$.acks[].seq'
    value: bigint
    index: number
  }

  export interface MessageReplyAcksIdFieldEvent {
    field: '$.acks[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface MessageReplyAcksStatusFieldEvent {
    field: '$.acks[].status'
    value: MessageAck.Status
    index: number
  }

  export interface MessageReplyAcksCodeFieldEvent {
    field: '$.acks[].code'
    value: string
    index: number
  }

  export function encode (obj: Partial<MessageReply>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MessageReply.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MessageReply>): MessageReply {
    return decodeMessage(buf, MessageReply.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MessageReply>): Generator<MessageReplyErrorCodeFieldEvent | MessageReplyErrorReasonFieldEvent | MessageReplyMaxDataFieldEvent | MessageReplyAcksSeqFieldEvent | MessageReplyAcksIdFieldEvent | MessageReplyAcksStatusFieldEvent | MessageReplyAcksCodeFieldEvent> {
    return streamMessage(buf, MessageReply.codec(), opts)
  }
}

export interface DirectRequest {
  id: Uint8Array<ArrayBuffer>
  data: Uint8Array<ArrayBuffer>
}

export namespace DirectRequest {
  let _codec: Codec<DirectRequest>

  export const codec = (): Codec<DirectRequest> => {
    if (_codec == null) {
      _codec = message<DirectRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.data)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          data: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
              break
            }
            case 2: {
              obj.data = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DirectRequestIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DirectRequestDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<DirectRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DirectRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DirectRequest>): DirectRequest {
    return decodeMessage(buf, DirectRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DirectRequest>): Generator<DirectRequestIdFieldEvent | DirectRequestDataFieldEvent> {
    return streamMessage(buf, DirectRequest.codec(), opts)
  }
}

export interface DirectResponse {
  data: Uint8Array<ArrayBuffer>
  error?: WireError
}

export namespace DirectResponse {
  let _codec: Codec<DirectResponse>

  export const codec = (): Codec<DirectResponse> => {
    if (_codec == null) {
      _codec = message<DirectResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.data)
        }

        if (obj.error != null) {
          w.uint32(18)
          WireError.codec().encode(obj.error, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          data: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.data = reader.bytes()
              break
            }
            case 2: {
              obj.error = WireError.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.error
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield * WireError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                limits: opts.limits?.error
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DirectResponseDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DirectResponseErrorCodeFieldEvent {
    field: '$.error.code'
    value: string
  }

  export interface DirectResponseErrorReasonFieldEvent {
    field: '$.error.reason'
    value: string
  }

  export function encode (obj: Partial<DirectResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DirectResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DirectResponse>): DirectResponse {
    return decodeMessage(buf, DirectResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DirectResponse>): Generator<DirectResponseDataFieldEvent | DirectResponseErrorCodeFieldEvent | DirectResponseErrorReasonFieldEvent> {
    return streamMessage(buf, DirectResponse.codec(), opts)
  }
}

export interface RelayMessage {
  message?: MessageData
  signature: Uint8Array<ArrayBuffer>
}

export namespace RelayMessage {
  let _codec: Codec<RelayMessage>

  export const codec = (): Codec<RelayMessage> => {
    if (_codec == null) {
      _codec = message<RelayMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.message != null) {
          w.uint32(10)
          MessageData.codec().encode(obj.message, w)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.message = MessageData.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.message
              })
              break
            }
            case 2: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * MessageData.codec().stream(reader, reader.uint32(), `${prefix}.message`, {
                limits: opts.limits?.message
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RelayMessageMessageIdFieldEvent {
    field: '$.message.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RelayMessageMessageSeqFieldEvent {
    field: '$.message.seq'
    value: bigint
  }

  export interface RelayMessageMessageDataFieldEvent {
    field: '$.message.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RelayMessageMessageAckFieldEvent {
    field: '$.message.ack'
    value: MessageData.AckMode
  }

  export interface RelayMessageMessageReplySubjectFieldEvent {
    field: '$.message.replySubject'
    value: string
  }

  export interface RelayMessageMessageExpiresAtMsFieldEvent {
    field: '$.message.expiresAtMs'
    value: bigint
  }

  export interface RelayMessageMessageLowSeqFieldEvent {
    field: '$.message.lowSeq'
    value: bigint
  }

  export interface RelayMessageMessageAttrsFieldEvent {
    field: '$.message.attrs{}'
    key: string
    value: string
  }

  export interface RelayMessageSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RelayMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RelayMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RelayMessage>): RelayMessage {
    return decodeMessage(buf, RelayMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RelayMessage>): Generator<RelayMessageMessageIdFieldEvent | RelayMessageMessageSeqFieldEvent | RelayMessageMessageDataFieldEvent | RelayMessageMessageAckFieldEvent | RelayMessageMessageReplySubjectFieldEvent | RelayMessageMessageExpiresAtMsFieldEvent | RelayMessageMessageLowSeqFieldEvent | RelayMessageMessageAttrsFieldEvent | RelayMessageSignatureFieldEvent> {
    return streamMessage(buf, RelayMessage.codec(), opts)
  }
}

export interface RelayDeposit {
  key: Uint8Array<ArrayBuffer>
  receiver: string
  interestToken: string
  identityToken: string
  record?: PeerRecord
  session: Uint8Array<ArrayBuffer>
  ephemeral: Uint8Array<ArrayBuffer>
  messages: RelayMessage[]
}

export namespace RelayDeposit {
  let _codec: Codec<RelayDeposit>

  export const codec = (): Codec<RelayDeposit> => {
    if (_codec == null) {
      _codec = message<RelayDeposit>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.key)
        }

        if ((obj.receiver != null && obj.receiver !== '')) {
          w.uint32(18)
          w.string(obj.receiver)
        }

        if ((obj.interestToken != null && obj.interestToken !== '')) {
          w.uint32(26)
          w.string(obj.interestToken)
        }

        if ((obj.identityToken != null && obj.identityToken !== '')) {
          w.uint32(34)
          w.string(obj.identityToken)
        }

        if (obj.record != null) {
          w.uint32(42)
          PeerRecord.codec().encode(obj.record, w)
        }

        if ((obj.session != null && obj.session.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.session)
        }

        if ((obj.ephemeral != null && obj.ephemeral.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.ephemeral)
        }

        if (obj.messages != null && obj.messages.length > 0) {
          for (const value of obj.messages) {
            w.uint32(66)
            RelayMessage.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          key: uint8ArrayAlloc(0),
          receiver: '',
          interestToken: '',
          identityToken: '',
          session: uint8ArrayAlloc(0),
          ephemeral: uint8ArrayAlloc(0),
          messages: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.key = reader.bytes()
              break
            }
            case 2: {
              obj.receiver = reader.string()
              break
            }
            case 3: {
              obj.interestToken = reader.string()
              break
            }
            case 4: {
              obj.identityToken = reader.string()
              break
            }
            case 5: {
              obj.record = PeerRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.record
              })
              break
            }
            case 6: {
              obj.session = reader.bytes()
              break
            }
            case 7: {
              obj.ephemeral = reader.bytes()
              break
            }
            case 8: {
              if (opts.limits?.messages != null && obj.messages.length === opts.limits.messages) {
                throw new MaxLengthError('Decode error - repeated field "messages" had too many elements')
              }

              obj.messages.push(RelayMessage.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.messages$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          messages: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.key`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.receiver`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.interestToken`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.identityToken`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield * PeerRecord.codec().stream(reader, reader.uint32(), `${prefix}.record`, {
                limits: opts.limits?.record
              })

              break
            }
            case 6: {
              yield {
                field: `${prefix}.session`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.ephemeral`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
              if (opts.limits?.messages != null && obj.messages === opts.limits.messages) {
                throw new MaxLengthError('Streaming decode error - repeated field "messages" had too many elements')
              }

              for (const evt of RelayMessage.codec().stream(reader, reader.uint32(), `${prefix}.messages[]`, {
                limits: opts.limits?.messages$
              })) {
                yield {
                  ...evt,
                  index: obj.messages
                }
              }

              obj.messages++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RelayDepositKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RelayDepositReceiverFieldEvent {
    field: '$.receiver'
    value: string
  }

  export interface RelayDepositInterestTokenFieldEvent {
    field: '$.interestToken'
    value: string
  }

  export interface RelayDepositIdentityTokenFieldEvent {
    field: '$.identityToken'
    value: string
  }

  export interface RelayDepositRecordNodeTokenFieldEvent {
    field: '$.record.nodeToken'
    value: string
  }

  export interface RelayDepositRecordAddrsFieldEvent {
    field: '$.record.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface RelayDepositRecordSeqFieldEvent {
    field: '$.record.seq'
    value: bigint
  }

  export interface RelayDepositRecordSignatureFieldEvent {
    field: '$.record.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RelayDepositRecordWakeAwakeMsFieldEvent {
    field: '$.record.wake.awakeMs'
    value: number
  }

  export interface RelayDepositRecordWakePeriodMsFieldEvent {
    field: '$.record.wake.periodMs'
    value: number
  }

  export interface RelayDepositRecordWakeAnchorMsFieldEvent {
    field: '$.record.wake.anchorMs'
    value: bigint
  }

  export interface RelayDepositRecordWakeOnDataFieldEvent {
    field: '$.record.wake.onData'
    value: boolean
  }

  export interface RelayDepositSessionFieldEvent {
    field: '$.session'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RelayDepositEphemeralFieldEvent {
    field: '$.ephemeral'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RelayDepositMessagesMessageIdFieldEvent {
    field: '$.messages[].message.id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RelayDepositMessagesMessageSeqFieldEvent {
    field: '$.messages[].message.seq'
    value: bigint
    index: number
  }

  export interface RelayDepositMessagesMessageDataFieldEvent {
    field: '$.messages[].message.data'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RelayDepositMessagesMessageAckFieldEvent {
    field: '$.messages[].message.ack'
    value: MessageData.AckMode
    index: number
  }

  export interface RelayDepositMessagesMessageReplySubjectFieldEvent {
    field: '$.messages[].message.replySubject'
    value: string
    index: number
  }

  export interface RelayDepositMessagesMessageExpiresAtMsFieldEvent {
    field: '$.messages[].message.expiresAtMs'
    value: bigint
    index: number
  }

  export interface RelayDepositMessagesMessageLowSeqFieldEvent {
    field: '$.messages[].message.lowSeq'
    value: bigint
    index: number
  }

  export interface RelayDepositMessagesMessageAttrsFieldEvent {
    field: '$.messages[].message.attrs{}'
    key: string
    value: string
    index: number
  }

  export interface RelayDepositMessagesSignatureFieldEvent {
    field: '$.messages[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<RelayDeposit>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RelayDeposit.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RelayDeposit>): RelayDeposit {
    return decodeMessage(buf, RelayDeposit.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RelayDeposit>): Generator<RelayDepositKeyFieldEvent | RelayDepositReceiverFieldEvent | RelayDepositInterestTokenFieldEvent | RelayDepositIdentityTokenFieldEvent | RelayDepositRecordNodeTokenFieldEvent | RelayDepositRecordAddrsFieldEvent | RelayDepositRecordSeqFieldEvent | RelayDepositRecordSignatureFieldEvent | RelayDepositRecordWakeAwakeMsFieldEvent | RelayDepositRecordWakePeriodMsFieldEvent | RelayDepositRecordWakeAnchorMsFieldEvent | RelayDepositRecordWakeOnDataFieldEvent | RelayDepositSessionFieldEvent | RelayDepositEphemeralFieldEvent | RelayDepositMessagesMessageIdFieldEvent | RelayDepositMessagesMessageSeqFieldEvent | RelayDepositMessagesMessageDataFieldEvent | RelayDepositMessagesMessageAckFieldEvent | RelayDepositMessagesMessageReplySubjectFieldEvent | RelayDepositMessagesMessageExpiresAtMsFieldEvent | RelayDepositMessagesMessageLowSeqFieldEvent | RelayDepositMessagesMessageAttrsFieldEvent | RelayDepositMessagesSignatureFieldEvent> {
    return streamMessage(buf, RelayDeposit.codec(), opts)
  }
}

export interface RelayRequest {
  type: RelayRequest.Type
  deposit?: RelayDeposit
}

export namespace RelayRequest {
  export enum Type {
    DEPOSIT = 'DEPOSIT',
    DELIVER = 'DELIVER'
  }

  enum __TypeValues {
    DEPOSIT = 0,
    DELIVER = 1
  }

  export namespace Type {
    export const codec = (): Codec<Type> => {
      return enumeration<Type>(__TypeValues)
    }
  }

  let _codec: Codec<RelayRequest>

  export const codec = (): Codec<RelayRequest> => {
    if (_codec == null) {
      _codec = message<RelayRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __TypeValues[obj.type] !== 0) {
          w.uint32(8)
          RelayRequest.Type.codec().encode(obj.type, w)
        }

        if (obj.deposit != null) {
          w.uint32(18)
          RelayDeposit.codec().encode(obj.deposit, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: Type.DEPOSIT
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = RelayRequest.Type.codec().decode(reader)
              break
            }
            case 2: {
              obj.deposit = RelayDeposit.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.deposit
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.type`,
                value: RelayRequest.Type.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield * RelayDeposit.codec().stream(reader, reader.uint32(), `${prefix}.deposit`, {
                limits: opts.limits?.deposit
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RelayRequestTypeFieldEvent {
    field: '$.type'
    value: RelayRequest.Type
  }

  export interface RelayRequestDepositKeyFieldEvent {
    field: '$.deposit.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RelayRequestDepositReceiverFieldEvent {
    field: '$.deposit.receiver'
    value: string
  }

  export interface RelayRequestDepositInterestTokenFieldEvent {
    field: '$.deposit.interestToken'
    value: string
  }

  export interface RelayRequestDepositIdentityTokenFieldEvent {
    field: '$.deposit.identityToken'
    value: string
  }

  export interface RelayRequestDepositRecordNodeTokenFieldEvent {
    field: '$.deposit.record.nodeToken'
    value: string
  }

  export interface RelayRequestDepositRecordAddrsFieldEvent {
    field: '$.deposit.record.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface RelayRequestDepositRecordSeqFieldEvent {
    field: '$.deposit.record.seq'
    value: bigint
  }

  export interface RelayRequestDepositRecordSignatureFieldEvent {
    field: '$.deposit.record.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RelayRequestDepositRecordWakeAwakeMsFieldEvent {
    field: '$.deposit.record.wake.awakeMs'
    value: number
  }

  export interface RelayRequestDepositRecordWakePeriodMsFieldEvent {
    field: '$.deposit.record.wake.periodMs'
    value: number
  }

  export interface RelayRequestDepositRecordWakeAnchorMsFieldEvent {
    field: '$.deposit.record.wake.anchorMs'
    value: bigint
  }

  export interface RelayRequestDepositRecordWakeOnDataFieldEvent {
    field: '$.deposit.record.wake.onData'
    value: boolean
  }

  export interface RelayRequestDepositSessionFieldEvent {
    field: '$.deposit.session'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RelayRequestDepositEphemeralFieldEvent {
    field: '$.deposit.ephemeral'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RelayRequestDepositMessagesMessageIdFieldEvent {
    field: '$.deposit.messages[].message.id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RelayRequestDepositMessagesMessageSeqFieldEvent {
    field: '$.deposit.messages[].message.seq'
    value: bigint
    index: number
  }

  export interface RelayRequestDepositMessagesMessageDataFieldEvent {
    field: '$.deposit.messages[].message.data'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RelayRequestDepositMessagesMessageAckFieldEvent {
    field: '$.deposit.messages[].message.ack'
    value: MessageData.AckMode
    index: number
  }

  export interface RelayRequestDepositMessagesMessageReplySubjectFieldEvent {
    field: '$.deposit.messages[].message.replySubject'
    value: string
    index: number
  }

  export interface RelayRequestDepositMessagesMessageExpiresAtMsFieldEvent {
    field: '$.deposit.messages[].message.expiresAtMs'
    value: bigint
    index: number
  }

  export interface RelayRequestDepositMessagesMessageLowSeqFieldEvent {
    field: '$.deposit.messages[].message.lowSeq'
    value: bigint
    index: number
  }

  export interface RelayRequestDepositMessagesMessageAttrsFieldEvent {
    field: '$.deposit.messages[].message.attrs{}'
    key: string
    value: string
    index: number
  }

  export interface RelayRequestDepositMessagesSignatureFieldEvent {
    field: '$.deposit.messages[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<RelayRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RelayRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RelayRequest>): RelayRequest {
    return decodeMessage(buf, RelayRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RelayRequest>): Generator<RelayRequestTypeFieldEvent | RelayRequestDepositKeyFieldEvent | RelayRequestDepositReceiverFieldEvent | RelayRequestDepositInterestTokenFieldEvent | RelayRequestDepositIdentityTokenFieldEvent | RelayRequestDepositRecordNodeTokenFieldEvent | RelayRequestDepositRecordAddrsFieldEvent | RelayRequestDepositRecordSeqFieldEvent | RelayRequestDepositRecordSignatureFieldEvent | RelayRequestDepositRecordWakeAwakeMsFieldEvent | RelayRequestDepositRecordWakePeriodMsFieldEvent | RelayRequestDepositRecordWakeAnchorMsFieldEvent | RelayRequestDepositRecordWakeOnDataFieldEvent | RelayRequestDepositSessionFieldEvent | RelayRequestDepositEphemeralFieldEvent | RelayRequestDepositMessagesMessageIdFieldEvent | RelayRequestDepositMessagesMessageSeqFieldEvent | RelayRequestDepositMessagesMessageDataFieldEvent | RelayRequestDepositMessagesMessageAckFieldEvent | RelayRequestDepositMessagesMessageReplySubjectFieldEvent | RelayRequestDepositMessagesMessageExpiresAtMsFieldEvent | RelayRequestDepositMessagesMessageLowSeqFieldEvent | RelayRequestDepositMessagesMessageAttrsFieldEvent | RelayRequestDepositMessagesSignatureFieldEvent> {
    return streamMessage(buf, RelayRequest.codec(), opts)
  }
}

export interface RelayReply {
  error?: WireError
  accepted: number
  acks: MessageAck[]
}

export namespace RelayReply {
  let _codec: Codec<RelayReply>

  export const codec = (): Codec<RelayReply> => {
    if (_codec == null) {
      _codec = message<RelayReply>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.error != null) {
          w.uint32(10)
          WireError.codec().encode(obj.error, w)
        }

        if ((obj.accepted != null && obj.accepted !== 0)) {
          w.uint32(16)
          w.uint32(obj.accepted)
        }

        if (obj.acks != null && obj.acks.length > 0) {
          for (const value of obj.acks) {
            w.uint32(26)
            MessageAck.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          accepted: 0,
          acks: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.error = WireError.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.error
              })
              break
            }
            case 2: {
              obj.accepted = reader.uint32()
              break
            }
            case 3: {
              if (opts.limits?.acks != null && obj.acks.length === opts.limits.acks) {
                throw new MaxLengthError('Decode error - repeated field "acks" had too many elements')
              }

              obj.acks.push(MessageAck.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.acks$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          acks: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * WireError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                limits: opts.limits?.error
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.accepted`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              if (opts.limits?.acks != null && obj.acks === opts.limits.acks) {
                throw new MaxLengthError('Streaming decode error - repeated field "acks" had too many elements')
              }

              for (const evt of MessageAck.codec().stream(reader, reader.uint32(), `${prefix}.acks[]`, {
                limits: opts.limits?.acks$
              })) {
                yield {
                  ...evt,
                  index: obj.acks
                }
              }

              obj.acks++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RelayReplyErrorCodeFieldEvent {
    field: '$.error.code'
    value: string
  }

  export interface RelayReplyErrorReasonFieldEvent {
    field: '$.error.reason'
    value: string
  }

  export interface RelayReplyAcceptedFieldEvent {
    field: '$.accepted'
    value: number
  }

  export interface RelayReplyAcksSeqFieldEvent {
    field: '$.acks[].seq'
    value: bigint
    index: number
  }

  export interface RelayReplyAcksIdFieldEvent {
    field: '$.acks[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RelayReplyAcksStatusFieldEvent {
    field: '$.acks[].status'
    value: MessageAck.Status
    index: number
  }

  export interface RelayReplyAcksCodeFieldEvent {
    field: '$.acks[].code'
    value: string
    index: number
  }

  export function encode (obj: Partial<RelayReply>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RelayReply.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RelayReply>): RelayReply {
    return decodeMessage(buf, RelayReply.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RelayReply>): Generator<RelayReplyErrorCodeFieldEvent | RelayReplyErrorReasonFieldEvent | RelayReplyAcceptedFieldEvent | RelayReplyAcksSeqFieldEvent | RelayReplyAcksIdFieldEvent | RelayReplyAcksStatusFieldEvent | RelayReplyAcksCodeFieldEvent> {
    return streamMessage(buf, RelayReply.codec(), opts)
  }
}

export interface TunnelRequest {
  type: TunnelRequest.Type
  service: string
}

export namespace TunnelRequest {
  export enum Type {
    OPEN = 'OPEN',
    PROBE = 'PROBE',
    LIST = 'LIST'
  }

  enum __TypeValues {
    OPEN = 0,
    PROBE = 1,
    LIST = 2
  }

  export namespace Type {
    export const codec = (): Codec<Type> => {
      return enumeration<Type>(__TypeValues)
    }
  }

  let _codec: Codec<TunnelRequest>

  export const codec = (): Codec<TunnelRequest> => {
    if (_codec == null) {
      _codec = message<TunnelRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __TypeValues[obj.type] !== 0) {
          w.uint32(8)
          TunnelRequest.Type.codec().encode(obj.type, w)
        }

        if ((obj.service != null && obj.service !== '')) {
          w.uint32(18)
          w.string(obj.service)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: Type.OPEN,
          service: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = TunnelRequest.Type.codec().decode(reader)
              break
            }
            case 2: {
              obj.service = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.type`,
                value: TunnelRequest.Type.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.service`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface TunnelRequestTypeFieldEvent {
    field: '$.type'
    value: TunnelRequest.Type
  }

  export interface TunnelRequestServiceFieldEvent {
    field: '$.service'
    value: string
  }

  export function encode (obj: Partial<TunnelRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, TunnelRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TunnelRequest>): TunnelRequest {
    return decodeMessage(buf, TunnelRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TunnelRequest>): Generator<TunnelRequestTypeFieldEvent | TunnelRequestServiceFieldEvent> {
    return streamMessage(buf, TunnelRequest.codec(), opts)
  }
}

export interface TunnelResponse {
  error?: WireError
  services: string[]
}

export namespace TunnelResponse {
  let _codec: Codec<TunnelResponse>

  export const codec = (): Codec<TunnelResponse> => {
    if (_codec == null) {
      _codec = message<TunnelResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.error != null) {
          w.uint32(10)
          WireError.codec().encode(obj.error, w)
        }

        if (obj.services != null && obj.services.length > 0) {
          for (const value of obj.services) {
            w.uint32(18)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          services: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.error = WireError.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.error
              })
              break
            }
            case 2: {
              if (opts.limits?.services != null && obj.services.length === opts.limits.services) {
                throw new MaxLengthError('Decode error - repeated field "services" had too many elements')
              }

              obj.services.push(reader.string())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          services: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * WireError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                limits: opts.limits?.error
              })

              break
            }
            case 2: {
              if (opts.limits?.services != null && obj.services === opts.limits.services) {
                throw new MaxLengthError('Streaming decode error - repeated field "services" had too many elements')
              }

              yield {
                field: `${prefix}.services[]`,
                index: obj.services,
                value: reader.string()
              }

              obj.services++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface TunnelResponseErrorCodeFieldEvent {
    field: '$.error.code'
    value: string
  }

  export interface TunnelResponseErrorReasonFieldEvent {
    field: '$.error.reason'
    value: string
  }

  export interface TunnelResponseServicesFieldEvent {
    field: '$.services[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<TunnelResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, TunnelResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TunnelResponse>): TunnelResponse {
    return decodeMessage(buf, TunnelResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TunnelResponse>): Generator<TunnelResponseErrorCodeFieldEvent | TunnelResponseErrorReasonFieldEvent | TunnelResponseServicesFieldEvent> {
    return streamMessage(buf, TunnelResponse.codec(), opts)
  }
}

export interface SummaryRequest {}

export namespace SummaryRequest {
  let _codec: Codec<SummaryRequest>

  export const codec = (): Codec<SummaryRequest> => {
    if (_codec == null) {
      _codec = message<SummaryRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export function encode (obj: Partial<SummaryRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SummaryRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SummaryRequest>): SummaryRequest {
    return decodeMessage(buf, SummaryRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SummaryRequest>): Generator<{}> {
    return streamMessage(buf, SummaryRequest.codec(), opts)
  }
}

export interface StatusSummary {
  peerId: string
  realm: string
  version: string
  uptimeMs: bigint
  time: bigint
  members: number
  routingTable: number
  subjects: number
  coordinating: number
  delivered: bigint
  duplicates: bigint
  rejected: bigint
  reachability: string
}

export namespace StatusSummary {
  let _codec: Codec<StatusSummary>

  export const codec = (): Codec<StatusSummary> => {
    if (_codec == null) {
      _codec = message<StatusSummary>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId !== '')) {
          w.uint32(10)
          w.string(obj.peerId)
        }

        if ((obj.realm != null && obj.realm !== '')) {
          w.uint32(18)
          w.string(obj.realm)
        }

        if ((obj.version != null && obj.version !== '')) {
          w.uint32(26)
          w.string(obj.version)
        }

        if ((obj.uptimeMs != null && obj.uptimeMs !== 0n)) {
          w.uint32(32)
          w.uint64(obj.uptimeMs)
        }

        if ((obj.time != null && obj.time !== 0n)) {
          w.uint32(40)
          w.uint64(obj.time)
        }

        if ((obj.members != null && obj.members !== 0)) {
          w.uint32(48)
          w.uint32(obj.members)
        }

        if ((obj.routingTable != null && obj.routingTable !== 0)) {
          w.uint32(56)
          w.uint32(obj.routingTable)
        }

        if ((obj.subjects != null && obj.subjects !== 0)) {
          w.uint32(64)
          w.uint32(obj.subjects)
        }

        if ((obj.coordinating != null && obj.coordinating !== 0)) {
          w.uint32(72)
          w.uint32(obj.coordinating)
        }

        if ((obj.delivered != null && obj.delivered !== 0n)) {
          w.uint32(80)
          w.uint64(obj.delivered)
        }

        if ((obj.duplicates != null && obj.duplicates !== 0n)) {
          w.uint32(88)
          w.uint64(obj.duplicates)
        }

        if ((obj.rejected != null && obj.rejected !== 0n)) {
          w.uint32(96)
          w.uint64(obj.rejected)
        }

        if ((obj.reachability != null && obj.reachability !== '')) {
          w.uint32(106)
          w.string(obj.reachability)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: '',
          realm: '',
          version: '',
          uptimeMs: 0n,
          time: 0n,
          members: 0,
          routingTable: 0,
          subjects: 0,
          coordinating: 0,
          delivered: 0n,
          duplicates: 0n,
          rejected: 0n,
          reachability: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.string()
              break
            }
            case 2: {
              obj.realm = reader.string()
              break
            }
            case 3: {
              obj.version = reader.string()
              break
            }
            case 4: {
              obj.uptimeMs = reader.uint64()
              break
            }
            case 5: {
              obj.time = reader.uint64()
              break
            }
            case 6: {
              obj.members = reader.uint32()
              break
            }
            case 7: {
              obj.routingTable = reader.uint32()
              break
            }
            case 8: {
              obj.subjects = reader.uint32()
              break
            }
            case 9: {
              obj.coordinating = reader.uint32()
              break
            }
            case 10: {
              obj.delivered = reader.uint64()
              break
            }
            case 11: {
              obj.duplicates = reader.uint64()
              break
            }
            case 12: {
              obj.rejected = reader.uint64()
              break
            }
            case 13: {
              obj.reachability = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.peerId`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.realm`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.version`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.uptimeMs`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.time`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.members`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.routingTable`,
                value: reader.uint32()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.subjects`,
                value: reader.uint32()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.coordinating`,
                value: reader.uint32()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.delivered`,
                value: reader.uint64()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.duplicates`,
                value: reader.uint64()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.rejected`,
                value: reader.uint64()
              }
              break
            }
            case 13: {
              yield {
                field: `${prefix}.reachability`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface StatusSummaryPeerIdFieldEvent {
    field: '$.peerId'
    value: string
  }

  export interface StatusSummaryRealmFieldEvent {
    field: '$.realm'
    value: string
  }

  export interface StatusSummaryVersionFieldEvent {
    field: '$.version'
    value: string
  }

  export interface StatusSummaryUptimeMsFieldEvent {
    field: '$.uptimeMs'
    value: bigint
  }

  export interface StatusSummaryTimeFieldEvent {
    field: '$.time'
    value: bigint
  }

  export interface StatusSummaryMembersFieldEvent {
    field: '$.members'
    value: number
  }

  export interface StatusSummaryRoutingTableFieldEvent {
    field: '$.routingTable'
    value: number
  }

  export interface StatusSummarySubjectsFieldEvent {
    field: '$.subjects'
    value: number
  }

  export interface StatusSummaryCoordinatingFieldEvent {
    field: '$.coordinating'
    value: number
  }

  export interface StatusSummaryDeliveredFieldEvent {
    field: '$.delivered'
    value: bigint
  }

  export interface StatusSummaryDuplicatesFieldEvent {
    field: '$.duplicates'
    value: bigint
  }

  export interface StatusSummaryRejectedFieldEvent {
    field: '$.rejected'
    value: bigint
  }

  export interface StatusSummaryReachabilityFieldEvent {
    field: '$.reachability'
    value: string
  }

  export function encode (obj: Partial<StatusSummary>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, StatusSummary.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StatusSummary>): StatusSummary {
    return decodeMessage(buf, StatusSummary.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StatusSummary>): Generator<StatusSummaryPeerIdFieldEvent | StatusSummaryRealmFieldEvent | StatusSummaryVersionFieldEvent | StatusSummaryUptimeMsFieldEvent | StatusSummaryTimeFieldEvent | StatusSummaryMembersFieldEvent | StatusSummaryRoutingTableFieldEvent | StatusSummarySubjectsFieldEvent | StatusSummaryCoordinatingFieldEvent | StatusSummaryDeliveredFieldEvent | StatusSummaryDuplicatesFieldEvent | StatusSummaryRejectedFieldEvent | StatusSummaryReachabilityFieldEvent> {
    return streamMessage(buf, StatusSummary.codec(), opts)
  }
}

export interface SummaryResponse {
  error?: WireError
  summary: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SummaryResponse {
  let _codec: Codec<SummaryResponse>

  export const codec = (): Codec<SummaryResponse> => {
    if (_codec == null) {
      _codec = message<SummaryResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.error != null) {
          w.uint32(10)
          WireError.codec().encode(obj.error, w)
        }

        if ((obj.summary != null && obj.summary.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.summary)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          summary: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.error = WireError.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.error
              })
              break
            }
            case 2: {
              obj.summary = reader.bytes()
              break
            }
            case 3: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * WireError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                limits: opts.limits?.error
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.summary`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SummaryResponseErrorCodeFieldEvent {
    field: '$.error.code'
    value: string
  }

  export interface SummaryResponseErrorReasonFieldEvent {
    field: '$.error.reason'
    value: string
  }

  export interface SummaryResponseSummaryFieldEvent {
    field: '$.summary'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SummaryResponseSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SummaryResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SummaryResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SummaryResponse>): SummaryResponse {
    return decodeMessage(buf, SummaryResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SummaryResponse>): Generator<SummaryResponseErrorCodeFieldEvent | SummaryResponseErrorReasonFieldEvent | SummaryResponseSummaryFieldEvent | SummaryResponseSignatureFieldEvent> {
    return streamMessage(buf, SummaryResponse.codec(), opts)
  }
}

export interface ForwardRequest {
  peer: Uint8Array<ArrayBuffer>
}

export namespace ForwardRequest {
  let _codec: Codec<ForwardRequest>

  export const codec = (): Codec<ForwardRequest> => {
    if (_codec == null) {
      _codec = message<ForwardRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peer != null && obj.peer.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peer)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peer: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peer = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.peer`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ForwardRequestPeerFieldEvent {
    field: '$.peer'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ForwardRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ForwardRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ForwardRequest>): ForwardRequest {
    return decodeMessage(buf, ForwardRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ForwardRequest>): Generator<ForwardRequestPeerFieldEvent> {
    return streamMessage(buf, ForwardRequest.codec(), opts)
  }
}

export interface ForwardResponse {
  error?: WireError
}

export namespace ForwardResponse {
  let _codec: Codec<ForwardResponse>

  export const codec = (): Codec<ForwardResponse> => {
    if (_codec == null) {
      _codec = message<ForwardResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.error != null) {
          w.uint32(10)
          WireError.codec().encode(obj.error, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.error = WireError.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.error
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * WireError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                limits: opts.limits?.error
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ForwardResponseErrorCodeFieldEvent {
    field: '$.error.code'
    value: string
  }

  export interface ForwardResponseErrorReasonFieldEvent {
    field: '$.error.reason'
    value: string
  }

  export function encode (obj: Partial<ForwardResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ForwardResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ForwardResponse>): ForwardResponse {
    return decodeMessage(buf, ForwardResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ForwardResponse>): Generator<ForwardResponseErrorCodeFieldEvent | ForwardResponseErrorReasonFieldEvent> {
    return streamMessage(buf, ForwardResponse.codec(), opts)
  }
}
