//! SPDY/3.1 framing, as kubectl speaks it for port-forward (inside the WebSocket tunnel
//! `SPDY/3.1+portforward.k8s.io`, or over a plain upgrade). Only what a port-forward
//! server needs: control frames are parsed and written, data frames carry bytes.
//!
//! Header blocks are zlib-compressed, one stream per direction for the whole
//! connection, with SPDY/3's preset dictionary (draft-mbelshe-httpbis-spdy-00
//! §2.6.10.1). Reading needs the dictionary (kubectl compresses with it). Writing
//! does not: our blocks are stored (uncompressed) deflate blocks in a zlib stream
//! whose header names no dictionary, which any zlib reader accepts, and each block
//! ends with the empty stored block a sync flush writes, as Go's writer does.

use flate2::{Decompress, FlushDecompress, Status};

use super::portforward_spdy_dict::DICTIONARY;

const VERSION: u16 = 3;
const SYN_STREAM: u16 = 1;
const SYN_REPLY: u16 = 2;
const RST_STREAM: u16 = 3;
const SETTINGS: u16 = 4;
const PING: u16 = 6;
const GOAWAY: u16 = 7;
const HEADERS: u16 = 8;
const WINDOW_UPDATE: u16 = 9;
pub const FLAG_FIN: u8 = 0x01;
/// Largest frame accepted (the length field has 24 bits; header blocks here are tiny).
const MAX_FRAME: usize = 1 << 24;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    SynStream {
        id: u32,
        headers: Vec<(String, String)>,
        fin: bool,
    },
    SynReply {
        id: u32,
        headers: Vec<(String, String)>,
        fin: bool,
    },
    RstStream {
        id: u32,
        status: u32,
    },
    Ping(u32),
    GoAway {
        last_good: u32,
        status: u32,
    },
    Data {
        id: u32,
        fin: bool,
        data: Vec<u8>,
    },
    /// SETTINGS, HEADERS, WINDOW_UPDATE and unknown control frames: nothing to do
    /// (kubectl's spdystream does not enforce flow control for these tiny streams).
    Ignored(u16),
}

/// One direction's header-compression state, plus the reader's dictionary.
pub struct Codec {
    inflate: Decompress,
    /// The peer's zlib header (2 bytes + dictionary id) is read with the first block.
    inflate_header_left: usize,
    deflate_started: bool,
}

impl std::fmt::Debug for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Codec").finish_non_exhaustive()
    }
}

impl Default for Codec {
    fn default() -> Self {
        Codec::new()
    }
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

impl Codec {
    pub fn new() -> Codec {
        Codec {
            // Raw deflate: the zlib header and dictionary id are checked by hand.
            inflate: Decompress::new(false),
            inflate_header_left: 6,
            deflate_started: false,
        }
    }

    /// Takes one complete frame off the front of `buf`, if there is one.
    pub fn parse(&mut self, buf: &mut Vec<u8>) -> Result<Option<Frame>, String> {
        if buf.len() < 8 {
            return Ok(None);
        }
        let len = (usize::from(buf[5]) << 16) | (usize::from(buf[6]) << 8) | usize::from(buf[7]);
        if len > MAX_FRAME {
            return Err(format!("SPDY frame of {len} bytes is too large"));
        }
        if buf.len() < 8 + len {
            return Ok(None);
        }
        let frame: Vec<u8> = buf.drain(..8 + len).collect();
        let flags = frame[4];
        let body = &frame[8..];
        if frame[0] & 0x80 == 0 {
            return Ok(Some(Frame::Data {
                id: be32(&frame) & 0x7fff_ffff,
                fin: flags & FLAG_FIN != 0,
                data: body.to_vec(),
            }));
        }
        let version = u16::from_be_bytes([frame[0] & 0x7f, frame[1]]);
        if version != VERSION {
            return Err(format!("SPDY version {version} is not supported (3 is)"));
        }
        let kind = u16::from_be_bytes([frame[2], frame[3]]);
        let need = |n: usize| -> Result<(), String> {
            if body.len() < n {
                Err(format!("SPDY control frame {kind} too short"))
            } else {
                Ok(())
            }
        };
        let fin = flags & FLAG_FIN != 0;
        Ok(Some(match kind {
            SYN_STREAM => {
                need(10)?;
                let headers = self.read_headers(&body[10..])?;
                Frame::SynStream {
                    id: be32(body) & 0x7fff_ffff,
                    headers,
                    fin,
                }
            }
            SYN_REPLY => {
                need(4)?;
                let headers = self.read_headers(&body[4..])?;
                Frame::SynReply {
                    id: be32(body) & 0x7fff_ffff,
                    headers,
                    fin,
                }
            }
            RST_STREAM => {
                need(8)?;
                Frame::RstStream {
                    id: be32(body) & 0x7fff_ffff,
                    status: be32(&body[4..]),
                }
            }
            PING => {
                need(4)?;
                Frame::Ping(be32(body))
            }
            GOAWAY => {
                need(8)?;
                Frame::GoAway {
                    last_good: be32(body) & 0x7fff_ffff,
                    status: be32(&body[4..]),
                }
            }
            HEADERS => {
                // Decompressed to keep the shared zlib stream in step, then dropped.
                need(4)?;
                self.read_headers(&body[4..])?;
                Frame::Ignored(kind)
            }
            SETTINGS | WINDOW_UPDATE => Frame::Ignored(kind),
            other => Frame::Ignored(other),
        }))
    }

    fn read_headers(&mut self, block: &[u8]) -> Result<Vec<(String, String)>, String> {
        let mut block = block;
        if self.inflate_header_left > 0 {
            if block.len() < 6 {
                return Err("SPDY header block shorter than its zlib header".into());
            }
            let (cmf, flg) = (block[0], block[1]);
            if cmf & 0x0f != 8 || (u16::from(cmf) << 8 | u16::from(flg)) % 31 != 0 {
                return Err("SPDY header block is not a zlib stream".into());
            }
            if flg & 0x20 == 0 {
                block = &block[2..];
            } else {
                if be32(&block[2..]) != adler32(DICTIONARY) {
                    return Err("SPDY header block uses an unknown dictionary".into());
                }
                block = &block[6..];
            }
            self.inflate
                .set_dictionary(DICTIONARY)
                .map_err(|e| format!("zlib dictionary: {e}"))?;
            self.inflate_header_left = 0;
        }
        let mut out = Vec::with_capacity(block.len() * 4 + 64);
        let mut consumed = 0;
        loop {
            let before_in = self.inflate.total_in();
            if out.capacity() - out.len() < 256 {
                out.reserve(out.len() + 256);
            }
            let status = self
                .inflate
                .decompress_vec(&block[consumed..], &mut out, FlushDecompress::Sync)
                .map_err(|e| format!("SPDY header block: {e}"))?;
            consumed += usize::try_from(self.inflate.total_in() - before_in).unwrap_or(0);
            let room = out.capacity() > out.len();
            if consumed >= block.len() && room {
                break;
            }
            if matches!(status, Status::StreamEnd) {
                break;
            }
        }
        decode_pairs(&out)
    }

    /// One header block, compressed for this direction's zlib stream.
    fn write_headers(&mut self, headers: &[(String, String)]) -> Vec<u8> {
        let plain = encode_pairs(headers);
        let mut out = Vec::with_capacity(plain.len() + 16);
        if !self.deflate_started {
            // CMF 0x78 (deflate, 32K window), FLG 0x01: no dictionary, check bits ok.
            out.extend_from_slice(&[0x78, 0x01]);
            self.deflate_started = true;
        }
        for chunk in plain.chunks(0xffff) {
            stored_block(&mut out, chunk);
        }
        stored_block(&mut out, &[]);
        out
    }

    pub fn encode(&mut self, frame: &Frame) -> Vec<u8> {
        let control = |kind: u16, flags: u8, body: &[u8]| -> Vec<u8> {
            let mut out = Vec::with_capacity(8 + body.len());
            out.extend_from_slice(&(0x8000 | VERSION).to_be_bytes());
            out.extend_from_slice(&kind.to_be_bytes());
            out.push(flags);
            out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
            out.extend_from_slice(body);
            out
        };
        let fin_flag = |fin: bool| if fin { FLAG_FIN } else { 0 };
        match frame {
            Frame::SynStream { id, headers, fin } => {
                let mut body = id.to_be_bytes().to_vec();
                body.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
                body.extend(self.write_headers(headers));
                control(SYN_STREAM, fin_flag(*fin), &body)
            }
            Frame::SynReply { id, headers, fin } => {
                let mut body = id.to_be_bytes().to_vec();
                body.extend(self.write_headers(headers));
                control(SYN_REPLY, fin_flag(*fin), &body)
            }
            Frame::RstStream { id, status } => {
                let mut body = id.to_be_bytes().to_vec();
                body.extend_from_slice(&status.to_be_bytes());
                control(RST_STREAM, 0, &body)
            }
            Frame::Ping(id) => control(PING, 0, &id.to_be_bytes()),
            Frame::GoAway { last_good, status } => {
                let mut body = last_good.to_be_bytes().to_vec();
                body.extend_from_slice(&status.to_be_bytes());
                control(GOAWAY, 0, &body)
            }
            Frame::Data { id, fin, data } => {
                let mut out = Vec::with_capacity(8 + data.len());
                out.extend_from_slice(&(id & 0x7fff_ffff).to_be_bytes());
                out.push(fin_flag(*fin));
                out.extend_from_slice(&(data.len() as u32).to_be_bytes()[1..]);
                out.extend_from_slice(data);
                out
            }
            Frame::Ignored(kind) => control(*kind, 0, &[]),
        }
    }
}

/// A non-final stored deflate block (byte-aligned: header byte, LEN, NLEN, bytes).
fn stored_block(out: &mut Vec<u8>, data: &[u8]) {
    let len = data.len() as u16;
    out.push(0x00);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(data);
}

fn encode_pairs(headers: &[(String, String)]) -> Vec<u8> {
    let mut out = (headers.len() as u32).to_be_bytes().to_vec();
    for (name, value) in headers {
        out.extend_from_slice(&(name.len() as u32).to_be_bytes());
        out.extend_from_slice(name.to_ascii_lowercase().as_bytes());
        out.extend_from_slice(&(value.len() as u32).to_be_bytes());
        out.extend_from_slice(value.as_bytes());
    }
    out
}

fn decode_pairs(b: &[u8]) -> Result<Vec<(String, String)>, String> {
    let short = || "SPDY header block ends early".to_string();
    let mut at = 0usize;
    let mut take = |n: usize| -> Result<&[u8], String> {
        let s = b.get(at..at + n).ok_or_else(short)?;
        at += n;
        Ok(s)
    };
    let count = be32(take(4)?) as usize;
    let mut out = Vec::with_capacity(count.min(64));
    for _ in 0..count {
        let n = be32(take(4)?) as usize;
        let name = String::from_utf8_lossy(take(n)?).into_owned();
        let n = be32(take(4)?) as usize;
        let value = String::from_utf8_lossy(take(n)?).into_owned();
        out.push((name, value));
    }
    Ok(out)
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

#[cfg(test)]
#[path = "portforward_spdy_tests.rs"]
mod tests;
