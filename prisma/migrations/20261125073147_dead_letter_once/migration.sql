-- CreateIndex
CREATE UNIQUE INDEX "dead_letter_stream_stream_sequence_key" ON "integration"."dead_letter"("stream", "stream_sequence");
