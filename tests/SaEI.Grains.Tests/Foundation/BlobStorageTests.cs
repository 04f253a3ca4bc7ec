using SaEI.Testing;

namespace SaEI.Grains.Tests.Foundation;

public sealed class BlobStorageTests
{
    [Fact]
    public async Task A_blob_written_to_Azurite_reads_back_byte_for_byte()
    {
        var container = await Azurite.NewContainerAsync("foundation");
        try
        {
            byte[] payload = new byte[100_000];
            new Random(7).NextBytes(payload);
            var blob = container.GetBlobClient("dir/payload.bin");
            await blob.UploadAsync(BinaryData.FromBytes(payload));

            var downloaded = (await blob.DownloadContentAsync()).Value;
            Assert.Equal(payload, downloaded.Content.ToArray());
            Assert.Equal(payload.Length, downloaded.Details.ContentLength);
        }
        finally
        {
            await container.DeleteIfExistsAsync();
        }
    }
}
