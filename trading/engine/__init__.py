"""One bot's orchestration: stream events and a timer -> quote -> decide -> execute ->
record -> publish, and the pieces it is built from."""
