/** Every line the chat server says, as the contract words them. */
export const GREETING = 'Welcome to the server, what is your name?';
export const SHUTDOWN_NOTICE = 'The server is shutting down. Goodbye!';

export const welcome = (name: string): string => `Welcome to the chat ${name}. Please type !Q to quit.`;
export const entered = (name: string): string => `${name} has entered the chat`;
export const left = (name: string): string => `${name} has left the chat`;
export const said = (name: string, text: string): string => `${name}: ${text}`;
export const users = (names: string[]): string => `Users: ${names.join(', ')}`;

export const nameEmpty = (): string => 'Your name cannot be empty; what is your name?';
export const nameTooLong = (max: number): string => `That name is too long (at most ${max} characters); what is your name?`;
export const nameInvalid = (): string => 'A name cannot contain spaces or control characters; what is your name?';
export const nameTaken = (name: string): string => `The name ${name} is already taken; what is your name?`;
export const roomFull = (max: number): string => `The chat is full (${max} users); please try again later.`;
export const udpFull = (max: number): string => `The chat is full for UDP users (${max}); please try again later.`;
export const lineTooLong = (max: number): string => `Your line was longer than ${max} bytes and was not sent.`;
export const nameLost = (name: string): string => `While this server was cut off from the room, another user took the name ${name}; please join again.`;
