-- Idempotency for messages rejected at reception (interfaces.md §1: same client, same id, same
-- content → the same messageId). A rejected message does not hold its id (`messages_idempotency`
-- leaves rejected messages out, so that a corrected message may use the id again), and each
-- sending of the same invalid text, a lot sent again after a lost 202 above all, was stored as one
-- more rejected message. The intake now looks for the rejected message of the same client, id and
-- text first, by this index: only when a group holds rejected messages, and only their entries
-- (an accepted message never has one, and the apply's outcome adds none).
CREATE INDEX messages_rejected_sender ON messages (client_id, sender_id) WHERE status = 'rejected';
