Console.WriteLine("Dispatch simulator");
