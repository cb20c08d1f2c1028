//! The pooled slots that hold small per-message delivery closures: a per-thread free list
//! (two "magazines", as in Bonwick's slab allocator) in front of a shared pool of 64-byte,
//! cache-line aligned slots carved from 64 KiB slabs. A closure costs a pop and a push on the
//! producing and the polling thread; the shared pool is touched once per [`SLAB`] closures.

use std::ptr;

/// Size and alignment of the slots that hold small per-message closures.
pub(super) const SLOT_SIZE: usize = 64;
pub(super) const SLOT_ALIGN: usize = 16;
/// Slabs start on a cache line, so each 64-byte slot is exactly one line: a delivery report
/// reads one line written when the message was produced, not two.
const SLAB_ALIGN: usize = 64;
/// Slots are allocated this many at a time (one allocation per 64 KiB) and move between a
/// thread's cache and the shared pool in lists of this length.
const SLAB: usize = 1024;

/// A singly linked list of free slots; each free slot stores the next pointer in its first word.
struct FreeList {
    head: *mut u8,
    len: usize,
}

impl FreeList {
    const EMPTY: FreeList = FreeList {
        head: ptr::null_mut(),
        len: 0,
    };

    /// # Safety
    /// `p` must be an unused slot (at least pointer-sized and -aligned) not in any list.
    unsafe fn push(&mut self, p: *mut u8) {
        // SAFETY: caller contract: the slot is unused, so its first word is ours to write.
        unsafe { *p.cast::<*mut u8>() = self.head };
        self.head = p;
        self.len += 1;
    }

    fn pop(&mut self) -> Option<ptr::NonNull<u8>> {
        let p = ptr::NonNull::new(self.head)?;
        // SAFETY: a listed free slot stores the next pointer in its first word.
        self.head = unsafe { *p.as_ptr().cast::<*mut u8>() };
        self.len -= 1;
        Some(p)
    }
}

/// Free slots shared by all threads (a producing thread takes them, a polling thread returns
/// them), and every slab ever allocated. Slabs are never freed: the memory retained is bounded
/// by the peak number of closures in flight at once (64 bytes each).
struct SharedSlots {
    free: Vec<FreeList>,
    slabs: Vec<usize>,
}

// SAFETY: the lists hold pointers to unused slots only; they are moved, never shared.
unsafe impl Send for SharedSlots {}

static SHARED_SLOTS: std::sync::Mutex<SharedSlots> = std::sync::Mutex::new(SharedSlots {
    free: Vec::new(),
    slabs: Vec::new(),
});

fn shared_slots() -> std::sync::MutexGuard<'static, SharedSlots> {
    // The lists stay consistent even if a holder panicked (no user code runs under the lock).
    SHARED_SLOTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// This thread's cache of free slots, as two "magazines" (Bonwick's slab allocator): a list
/// being used (`head`/`len`, at most [`SLAB`] slots) and a spare list. A per-message closure
/// costs a pop and a push; the shared pool is touched at most once per [`SLAB`] closures, and
/// always by moving a whole list (no walk over cold slots). It has no destructor, so the hot
/// paths reach it with a plain thread-local access (no lazy-registration check);
/// [`SpillOnExit`] hands the lists to the shared pool when the thread ends.
struct LocalSlots {
    head: std::cell::Cell<*mut u8>,
    len: std::cell::Cell<usize>,
    spare: std::cell::Cell<FreeListParts>,
}

/// A [`FreeList`] in a `Cell` (head, len).
type FreeListParts = (*mut u8, usize);

impl LocalSlots {
    fn take(&self) -> FreeList {
        FreeList {
            head: self.head.replace(ptr::null_mut()),
            len: self.len.replace(0),
        }
    }
    fn put(&self, list: FreeList) {
        self.head.set(list.head);
        self.len.set(list.len);
    }
    fn take_spare(&self) -> FreeList {
        let (head, len) = self.spare.replace((ptr::null_mut(), 0));
        FreeList { head, len }
    }
    fn put_spare(&self, list: FreeList) {
        self.spare.set((list.head, list.len));
    }
}

/// Registered (by touching it) whenever this thread's lists go from empty to non-empty; its
/// destructor returns the thread's cached slots to the shared pool.
struct SpillOnExit;

impl Drop for SpillOnExit {
    fn drop(&mut self) {
        let (list, spare) = LOCAL_SLOTS.with(|l| (l.take(), l.take_spare()));
        let mut shared = shared_slots();
        for list in [list, spare] {
            if list.len > 0 {
                shared.free.push(list);
            }
        }
    }
}

thread_local! {
    static LOCAL_SLOTS: LocalSlots = const {
        LocalSlots {
            head: std::cell::Cell::new(ptr::null_mut()),
            len: std::cell::Cell::new(0),
            spare: std::cell::Cell::new((ptr::null_mut(), 0)),
        }
    };
    static SPILL_ON_EXIT: SpillOnExit = const { SpillOnExit };
}

/// Makes sure this thread's cached slots reach the shared pool when it exits; false once the
/// thread's destructors have run (the caller must then use the shared pool directly).
fn spill_on_exit_registered() -> bool {
    SPILL_ON_EXIT.try_with(|_| ()).is_ok()
}

/// A list of free slots from the shared pool, or a new slab.
fn refill() -> FreeList {
    let mut shared = shared_slots();
    if let Some(list) = shared.free.pop() {
        return list;
    }
    let layout = std::alloc::Layout::from_size_align(SLOT_SIZE * SLAB, SLAB_ALIGN)
        .expect("valid slab layout");
    // SAFETY: the layout has a non-zero size.
    let base = unsafe { std::alloc::alloc(layout) };
    if base.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    shared.slabs.push(base as usize);
    let mut list = FreeList::EMPTY;
    for i in (0..SLAB).rev() {
        // SAFETY: slot i lies inside the new slab, is SLAB_ALIGN- (so SLOT_ALIGN-) aligned and
        // unused.
        unsafe { list.push(base.add(i * SLOT_SIZE)) };
    }
    list
}

/// A free slot: a pop from this thread's list (inlined into the caller), else [`slot_refill`].
#[inline]
pub(super) fn slot_alloc() -> ptr::NonNull<u8> {
    LOCAL_SLOTS.with(|l| match ptr::NonNull::new(l.head.get()) {
        Some(p) => {
            // SAFETY: a listed free slot stores the next pointer in its first word.
            l.head.set(unsafe { *p.as_ptr().cast::<*mut u8>() });
            l.len.set(l.len.get() - 1);
            p
        }
        None => slot_refill(l),
    })
}

/// This thread's list is empty: use the spare list, else take a list from the shared pool (or
/// a new slab).
#[cold]
#[inline(never)]
fn slot_refill(l: &LocalSlots) -> ptr::NonNull<u8> {
    let spare = l.take_spare();
    let mut list = if spare.len > 0 { spare } else { refill() };
    let p = list.pop().expect("a refill is never empty");
    if spill_on_exit_registered() {
        l.put(list);
    } else if list.len > 0 {
        // Only while this thread is being torn down: keep nothing in its cache.
        shared_slots().free.push(list);
    }
    p
}

/// Returns a slot to this thread's list (inlined into the caller); see [`slot_free_slow`].
///
/// # Safety
/// `p` must come from [`slot_alloc`] and no longer be used.
#[inline]
pub(super) unsafe fn slot_free(p: ptr::NonNull<u8>) {
    LOCAL_SLOTS.with(|l| {
        let head = l.head.get();
        let len = l.len.get() + 1;
        if head.is_null() || len > SLAB {
            // SAFETY: caller contract.
            unsafe { slot_free_slow(l, p) };
            return;
        }
        // SAFETY: caller contract: the slot is unused, so its first word is ours to write.
        unsafe { *p.as_ptr().cast::<*mut u8>() = head };
        l.head.set(p.as_ptr());
        l.len.set(len);
    })
}

/// The first slot of an empty list (registers [`SpillOnExit`]), or a full list: the full list
/// becomes the spare (the old spare, if any, goes to the shared pool whole) and `p` starts a
/// new list.
///
/// # Safety
/// As [`slot_free`].
#[cold]
#[inline(never)]
unsafe fn slot_free_slow(l: &LocalSlots, p: ptr::NonNull<u8>) {
    if l.head.get().is_null() && !spill_on_exit_registered() {
        // This thread's destructors have run: hand the slot straight to the shared pool.
        let mut list = FreeList::EMPTY;
        // SAFETY: caller contract: the slot is unused.
        unsafe { list.push(p.as_ptr()) };
        shared_slots().free.push(list);
        return;
    }
    let mut list = l.take();
    if list.len >= SLAB {
        let old_spare = l.take_spare();
        l.put_spare(list);
        if old_spare.len > 0 {
            shared_slots().free.push(old_spare);
        }
        list = FreeList::EMPTY;
    }
    // SAFETY: caller contract: the slot is unused and not in any list.
    unsafe { list.push(p.as_ptr()) };
    l.put(list);
}
