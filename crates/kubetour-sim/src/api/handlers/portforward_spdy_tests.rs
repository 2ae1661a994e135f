use super::*;
use crate::api::handlers::portforward_spdy_dict::DICTIONARY;
use flate2::{Compress, Compression, FlushCompress};

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A SYN_STREAM as kubectl's spdystream writes it: header block compressed with the
/// SPDY dictionary, one zlib stream for the connection, sync-flushed per frame.
fn kubectl_syn(z: &mut Compress, id: u32, headers: &[(&str, &str)]) -> Vec<u8> {
    let plain = encode_pairs(&pairs(headers));
    let mut block = Vec::with_capacity(plain.len() + 64);
    z.compress_vec(&plain, &mut block, FlushCompress::Sync)
        .expect("compresses");
    let mut body = id.to_be_bytes().to_vec();
    body.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    body.extend(block);
    let mut frame = vec![0x80, 0x03, 0x00, 0x01, 0x00];
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    frame.extend(body);
    frame
}

#[test]
fn the_dictionary_has_the_length_the_spdy3_draft_gives() {
    assert_eq!(DICTIONARY.len(), 1423);
    assert_eq!(&DICTIONARY[..11], b"\0\0\0\x07options");
    assert!(DICTIONARY.ends_with(b",enq=0."));
}

#[test]
fn header_blocks_compressed_with_the_dictionary_are_read_across_frames() {
    let mut z = Compress::new(Compression::best(), true);
    z.set_dictionary(DICTIONARY).expect("dictionary");
    let error = [
        ("streamtype", "error"),
        ("port", "18083"),
        ("requestid", "0"),
    ];
    let data = [
        ("streamtype", "data"),
        ("port", "18083"),
        ("requestid", "0"),
    ];
    let mut buf = kubectl_syn(&mut z, 1, &error);
    buf.extend(kubectl_syn(&mut z, 3, &data));
    let mut codec = Codec::new();
    let first = codec.parse(&mut buf).expect("parses").expect("a frame");
    assert_eq!(
        first,
        Frame::SynStream {
            id: 1,
            headers: pairs(&error),
            fin: false
        }
    );
    let second = codec.parse(&mut buf).expect("parses").expect("a frame");
    assert_eq!(
        second,
        Frame::SynStream {
            id: 3,
            headers: pairs(&data),
            fin: false
        }
    );
    assert!(buf.is_empty());
}

#[test]
fn frames_we_write_read_back_including_stored_header_blocks() {
    let mut writer = Codec::new();
    let mut reader = Codec::new();
    // Our writer names no dictionary: the reader must accept that too.
    reader.inflate_header_left = 6;
    let frames = [
        Frame::SynReply {
            id: 1,
            headers: Vec::new(),
            fin: false,
        },
        Frame::SynReply {
            id: 3,
            headers: pairs(&[("a", "b")]),
            fin: true,
        },
        Frame::Data {
            id: 3,
            fin: true,
            data: b"hello".to_vec(),
        },
        Frame::Ping(7),
        Frame::RstStream { id: 5, status: 5 },
    ];
    let mut buf = Vec::new();
    for f in &frames {
        buf.extend(writer.encode(f));
    }
    for f in &frames {
        assert_eq!(reader.parse(&mut buf).expect("parses").as_ref(), Some(f));
    }
}

#[test]
fn a_partial_frame_waits_for_more_bytes() {
    let mut codec = Codec::new();
    let mut whole = codec.encode(&Frame::Data {
        id: 1,
        fin: false,
        data: vec![1, 2, 3],
    });
    let mut buf: Vec<u8> = whole.drain(..6).collect();
    assert_eq!(codec.parse(&mut buf).expect("no error"), None);
    buf.extend(whole);
    assert!(codec.parse(&mut buf).expect("parses").is_some());
}
