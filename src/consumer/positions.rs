//! Positions and offsets: [`Consumer::committed`], `position`, `seek`, `pause`/`resume`,
//! `get_watermark_offsets`, `offsets_for_times`.

use rdkafka_sys::bindings as sys;

use super::Consumer;
use crate::error::{KafkaError, Result};
use crate::topic_partition::{topic_cstring, NativeList, TopicPartition};
use crate::util::Timeout;

impl Consumer {
    /// Python: `committed(partitions, timeout)`: the group's committed offsets
    /// (`Offset::Invalid` where none).
    pub fn committed(
        &self,
        partitions: &[TopicPartition],
        timeout: impl Into<Timeout>,
    ) -> Result<Vec<TopicPartition>> {
        self.check_open()?;
        let list = NativeList::from_partitions("committed", partitions)?;
        // SAFETY: rk and list are live; librdkafka fills in the offsets.
        let code = unsafe {
            sys::rd_kafka_committed(self.rk(), list.ptr(), timeout.into().as_millis_i32())
        } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)?;
        Ok(list.to_partitions())
    }

    /// Python: `position(partitions)`: the offset of the next message to be consumed.
    pub fn position(&self, partitions: &[TopicPartition]) -> Result<Vec<TopicPartition>> {
        self.check_open()?;
        let list = NativeList::from_partitions("position", partitions)?;
        // SAFETY: rk and list are live.
        let code = unsafe { sys::rd_kafka_position(self.rk(), list.ptr()) } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)?;
        Ok(list.to_partitions())
    }

    /// Python: `seek(partition)`: the next message fetched for the (assigned) partition is at
    /// `partition.offset`. Waits up to 10 s for the seek to take effect.
    pub fn seek(&self, partition: &TopicPartition) -> Result<()> {
        self.check_open()?;
        let list = NativeList::from_partitions("seek", std::slice::from_ref(partition))?;
        // SAFETY: rk and list are live; the returned error (if any) is ours.
        let err = unsafe {
            KafkaError::from_native(sys::rd_kafka_seek_partitions(self.rk(), list.ptr(), 10_000))
        };
        if let Some(e) = err {
            return Err(e);
        }
        match list
            .to_partitions()
            .into_iter()
            .next()
            .and_then(|p| p.error)
        {
            Some(e) => Err(e.with_partition(partition.topic.clone(), partition.partition)),
            None => Ok(()),
        }
    }

    fn pause_resume(&self, partitions: &[TopicPartition], pause: bool) -> Result<()> {
        self.check_open()?;
        let call = if pause { "pause" } else { "resume" };
        let list = NativeList::from_partitions(call, partitions)?;
        // SAFETY: rk and list are live.
        let code = unsafe {
            if pause {
                sys::rd_kafka_pause_partitions(self.rk(), list.ptr())
            } else {
                sys::rd_kafka_resume_partitions(self.rk(), list.ptr())
            }
        } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)?;
        match list
            .to_partitions()
            .into_iter()
            .find_map(|p| p.error.map(|e| e.with_partition(p.topic, p.partition)))
        {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Python: `pause(partitions)`.
    pub fn pause(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.pause_resume(partitions, true)
    }

    /// Python: `resume(partitions)`.
    pub fn resume(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.pause_resume(partitions, false)
    }

    /// Python: `get_watermark_offsets(partition, timeout=None, cached=False)` → `(low, high)`.
    /// With `cached`, answers from the last fetch (no request; `-1001` where unknown).
    pub fn get_watermark_offsets(
        &self,
        partition: &TopicPartition,
        timeout: impl Into<Timeout>,
        cached: bool,
    ) -> Result<(i64, i64)> {
        self.check_open()?;
        let t = topic_cstring("get_watermark_offsets", &partition.topic)?;
        let (mut lo, mut hi) = (0i64, 0i64);
        // SAFETY: rk is live; t is NUL-terminated; lo/hi are valid out-pointers.
        let code = unsafe {
            if cached {
                sys::rd_kafka_get_watermark_offsets(
                    self.rk(),
                    t.as_ptr(),
                    partition.partition,
                    &mut lo,
                    &mut hi,
                )
            } else {
                sys::rd_kafka_query_watermark_offsets(
                    self.rk(),
                    t.as_ptr(),
                    partition.partition,
                    &mut lo,
                    &mut hi,
                    timeout.into().as_millis_i32(),
                )
            }
        } as i32;
        KafkaError::from_raw(code).map_or(Ok((lo, hi)), |e| {
            Err(e.with_partition(partition.topic.clone(), partition.partition))
        })
    }

    /// Python: `offsets_for_times(partitions, timeout)`: each partition's `offset` holds a
    /// timestamp (ms, as `Offset::At(ts)`); the result holds the earliest offset whose timestamp
    /// is at or after it (`Offset::End` if none).
    pub fn offsets_for_times(
        &self,
        partitions: &[TopicPartition],
        timeout: impl Into<Timeout>,
    ) -> Result<Vec<TopicPartition>> {
        self.check_open()?;
        if partitions.is_empty() {
            return Err(KafkaError::invalid_arg(
                "offsets_for_times: no partitions given",
            ));
        }
        let list = NativeList::from_partitions("offsets_for_times", partitions)?;
        // SAFETY: rk and list are live.
        let code = unsafe {
            sys::rd_kafka_offsets_for_times(self.rk(), list.ptr(), timeout.into().as_millis_i32())
        } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)?;
        Ok(list.to_partitions())
    }
}
